import type { Browser, Page } from 'playwright-core';
import { openBrowser, screenshot, signIn } from '../support/browser';
import { startFakeN8n } from '../support/fake-n8n';
import { fakeExecutions } from '../support/fake-n8n-executions';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { httpWorkflow } from '../support/workflows';

jest.setTimeout(120_000);

/**
 * The main pages, full of data, at a desktop's width and a phone's: each is screenshotted (into
 * $SCREENSHOT_DIR when set) and none may be wider than the window.
 */
const store = fakeWorkflowStore([
	httpWorkflow(1, 'https://erp.example.com/a-rather-long-path/that-goes/on-and-on?with=query&and=more', {
		name: 'Invoice sync with a long name that a phone must wrap somewhere',
	}),
	httpWorkflow(2),
]);
const longError = `Request failed with status 500 for https://erp.example.com/a-rather-long-path/that-goes/on-and-on: ${'the ERP said no, '.repeat(6)}ask bob@example.com`;
store.executions = fakeExecutions([
	{
		id: 1,
		workflowId: 'wf-2',
		status: 'success',
		mode: 'trigger',
		startedAt: '2026-11-30T09:00:00.000Z',
		stoppedAt: '2026-11-30T09:00:01.500Z',
	},
	{
		id: 2,
		workflowId: 'wf-1',
		status: 'error',
		mode: 'webhook',
		startedAt: '2026-11-30T09:01:00.000Z',
		stoppedAt: '2026-11-30T09:01:04.000Z',
		data: {
			resultData: {
				error: { message: longError, node: { name: 'Call' } },
				runData: {
					Call: [
						{ startTime: Date.parse('2026-11-30T09:01:00.000Z'), executionTime: 4000, error: { message: longError } },
					],
				},
			},
		},
	},
]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let emptyN8n: Awaited<ReturnType<typeof startFakeN8n>>;
let browser: Browser;
let page: Page;
const pages: Array<[string, string]> = [];

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	const { companion, admin, environmentId } = setup;
	const { final } = await syncAndFollow(companion, admin, environmentId, { scope: 'workflows' });
	if (final.status !== 'succeeded') throw new Error(`sync: ${JSON.stringify(final)}`);
	const snapshot = (await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId, label: 'nightly' })).body;
	await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net/collect' };
	const found = (await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/drift-checks`)).body;
	// A promotion of the long-named workflow into an empty instance, waiting for approval.
	emptyN8n = await startFakeN8n(fakeWorkflowStore([]).handler);
	const qa = (await companion.environment(admin, { name: 'qa', baseUrl: emptyN8n.url, apiKey: 'k' })).id;
	await syncAndFollow(companion, admin, qa, { scope: 'workflows' });
	await companion.api(admin, 'POST', `/api/v1/environments/${qa}/baseline`, {});
	const promotion = (
		await companion.api(admin, 'POST', '/api/v1/promotions', {
			sourceEnvironmentId: environmentId,
			targetEnvironmentId: qa,
			workflowIds: ['wf-1', 'wf-2'],
			reason: 'a reason long enough to wrap on a phone, as people write them when they ask for approval',
		})
	).body;
	if (!promotion.id) throw new Error(`promotion: ${JSON.stringify(promotion)}`);
	const pipeline = (
		await companion.api(admin, 'POST', '/api/v1/pipelines', {
			name: 'Release train with a name long enough to wrap',
			description: 'prod to qa, with a freeze on Friday afternoons and weekends',
			stages: [
				{
					sourceEnvironmentId: environmentId,
					targetEnvironmentId: qa,
					autoApproveMaxRisk: 'LOW',
					windows: [{ kind: 'deny', schedule: '0 15 * * 5', duration: '66h', timeZone: 'Europe/Berlin' }],
				},
			],
		})
	).body;
	await companion.api(admin, 'POST', '/api/v1/webhooks', {
		url: 'http://127.0.0.1:9/hook',
		events: ['drift.detected'],
	});
	// A deactivation in prod, waiting for another admin under the class policy.
	const asked = (
		await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/activation`, {
			workflowIds: ['wf-1', 'wf-2'],
			active: false,
			reason: 'the ERP is down for maintenance all weekend, so these must not run',
		})
	).body;
	if (!asked.approvalRequest) throw new Error(`approval request: ${JSON.stringify(asked)}`);
	const indexing = (await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/executions/index`)).body;
	await readEvents(`${companion.url}/api/v1/jobs/${indexing.id}/events`, { authorization: `Bearer ${admin}` });
	const { canonical_id: canonicalId } = await companion.db
		.selectFrom('workflow_inventory')
		.select('canonical_id')
		.where('n8n_id', '=', 'wf-1')
		.executeTakeFirstOrThrow();
	pages.push(
		['dashboard', '/dashboard'],
		['environments', '/environments'],
		['environment', `/environments/${environmentId}`],
		['workflow', `/environments/${environmentId}/workflows/wf-1`],
		['drift', `/environments/${environmentId}/drift`],
		['snapshots', `/environments/${environmentId}/snapshots`],
		['snapshot', `/snapshots/${snapshot.id}`],
		['snapshot-compare', `/snapshots/${snapshot.id}/compare`],
		['incidents', '/incidents'],
		['incident', `/incidents/${found.incident.incident.id}`],
		['promotions', '/promotions'],
		['promotion', `/promotions/${promotion.id}`],
		['promotion-new', '/promotions/new'],
		['pipelines', '/pipelines'],
		['pipeline-form', `/pipelines/${pipeline.id}/edit`],
		['audit', '/audit'],
		['tokens', '/tokens'],
		['users', '/users'],
		['account', '/account'],
		['credentials', '/credentials'],
		['workflows', '/workflows'],
		['workflow-links', '/workflows/links'],
		['workflow-everywhere', `/workflows/${canonicalId}`],
		['environment-credentials', `/environments/${environmentId}/credentials`],
		['environment-findings', `/environments/${environmentId}/findings`],
		['webhooks', '/webhooks'],
		['environment-form', '/environments/new'],
		['approvals', '/approvals'],
		['approval', `/approvals/${asked.approvalRequest.id}`],
		['policies', '/policies'],
		['executions', '/executions'],
		['execution', `/executions/${environmentId}/2`],
		['analytics', `/analytics?environment=${environmentId}`],
	);
	({ browser, page } = await openBrowser());
	await signIn(page, companion.url, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
	await browser?.close();
	await emptyN8n?.close();
	await setup?.close();
});

describe.each([1280, 390])('at %i px', (width) => {
	test('every main page fits the window: no horizontal scrolling', async () => {
		await page.setViewportSize({ width, height: 900 });
		const tooWide: string[] = [];
		for (const [name, path] of pages) {
			await page.goto(setup.companion.url + path);
			await screenshot(page, `${name}-${width}`);
			const { scrollWidth, innerWidth } = (await page.evaluate(
				'({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
			)) as { scrollWidth: number; innerWidth: number };
			if (scrollWidth > innerWidth) tooWide.push(`${path}: ${scrollWidth} px in a ${innerWidth} px window`);
		}
		expect(tooWide).toEqual([]);
	});
});

interface Box {
	top: number;
	bottom: number;
	left: number;
}

/** Submits a form with the browser's own checks off; then where each error and its field's input sit. */
async function submitWithErrors(formSelector: string, values: Record<string, string>) {
	await page.evaluate(`(() => {
		const form = document.querySelector(${JSON.stringify(formSelector)});
		form.noValidate = true;
		for (const [name, value] of Object.entries(${JSON.stringify(values)})) form.elements.namedItem(name).value = value;
		form.requestSubmit();
	})()`);
	await page.locator('.field-error').first().waitFor();
	return page.evaluate(`[...document.querySelectorAll('.field-error')].map((error) => {
		const input = error.closest('.field')?.querySelector('input, select');
		return { text: error.textContent, error: error.getBoundingClientRect().toJSON(), input: input?.getBoundingClientRect().toJSON() };
	})`) as Promise<Array<{ text: string; error: Box; input?: Box }>>;
}

describe.each([1280, 390])('forms at %i px', (width) => {
	beforeAll(() => page.setViewportSize({ width, height: 900 }));

	test('the users form shows each error under its own field, and its inputs stay in line', async () => {
		await page.goto(`${setup.companion.url}/users`);
		const errors = await submitWithErrors('form[action="/users"]', { email: 'nope', password: 'short' });
		expect(errors.map((e) => e.text)).toEqual([
			'Email must be an email address',
			'Password must be at least 10 characters',
		]);
		for (const { error, input } of errors) {
			expect(input).toBeTruthy();
			expect(error.top).toBeGreaterThanOrEqual(input!.bottom);
			expect(Math.abs(error.left - input!.left)).toBeLessThan(2);
		}
		const inputs = await page
			.locator('form[action="/users"] input:not([type=hidden]), form[action="/users"] select')
			.all();
		const tops = await Promise.all(inputs.map(async (input) => (await input.boundingBox())!.y));
		if (width === 1280) expect(new Set(tops).size).toBe(1);
		await screenshot(page, `users-errors-${width}`);
	});

	test('an SLA error sits under its hours field without moving the others', async () => {
		await page.goto(`${setup.companion.url}/environments/new`);
		const errors = await submitWithErrors('form[action="/environments"]', {
			name: 'sla-check',
			baseUrl: 'http://127.0.0.1:9',
			apiKey: 'k',
			slaHigh: '0',
		});
		expect(errors.map((e) => e.text)).toEqual(['High must be at least 1 hour']);
		expect(errors[0].error.top).toBeGreaterThanOrEqual(errors[0].input!.bottom);
		const tops = await Promise.all(
			(await page.locator('fieldset.sla input').all()).map(async (input) => (await input.boundingBox())!.y),
		);
		expect(tops[0]).toBe(tops[1]);
		if (width === 1280) expect(new Set(tops).size).toBe(1);
		await screenshot(page, `sla-errors-${width}`);
	});
});
