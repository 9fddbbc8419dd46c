import type { Browser, Page } from 'playwright-core';
import { openBrowser, screenshot, signIn } from '../support/browser';
import { closedPort } from '../support/fake-n8n';
import { type FakeExecution, fakeExecutions } from '../support/fake-n8n-executions';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { httpWorkflow } from '../support/workflows';

jest.setTimeout(60_000);

const run = (id: number, status: string): FakeExecution => ({
	id,
	workflowId: 'wf-1',
	status,
	mode: 'webhook',
	startedAt: new Date(Date.now() - (100 - id) * 1000).toISOString(),
	stoppedAt: new Date(Date.now() - (100 - id) * 1000 + 800).toISOString(),
	...(status === 'error' && {
		data: { resultData: { error: { message: 'ERP answered 503', node: { name: 'Call' } } } },
	}),
});
const store = fakeWorkflowStore([{ ...httpWorkflow(1), name: 'Invoice sync' }]);
store.executions = fakeExecutions([run(1, 'success'), run(2, 'error')]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let browser: Browser;
let page: Page;

const index = async () => {
	const { companion, admin, environmentId } = setup;
	const job = (await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/executions/index`)).body;
	await readEvents(`${companion.url}/api/v1/jobs/${job.id}/events`, { authorization: `Bearer ${admin}` });
};

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
	await index();
	({ browser, page } = await openBrowser());
	await signIn(page, setup.companion.url, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
	await browser?.close();
	await setup?.close();
});

test('the executions page filters in place, keeps the filter in the address, and shows new runs by itself', async () => {
	await page.goto(`${setup.companion.url}/executions`);
	const rows = page.locator('#execution-table tbody tr');
	const rowsAre = async (count: number, timeout = 5000) => {
		for (const started = Date.now(); (await rows.count()) !== count;) {
			if (Date.now() - started > timeout) throw new Error(`the table shows ${await rows.count()} rows, not ${count}`);
			await page.waitForTimeout(100);
		}
	};

	await page.selectOption('select[name=status]', 'error');
	await page.waitForURL(/status=error/);
	await rowsAre(1);
	expect(await rows.first().innerText()).toContain('ERP answered 503');

	await page.selectOption('select[name=status]', '');
	await rowsAre(2);
	store.executions!.add(run(3, 'success'));
	await index();
	// The table asks again every 10 s.
	await rowsAre(3, 15_000);

	await rows.filter({ hasText: 'error' }).locator('a').first().click();
	await page.waitForURL(/\/executions\/[^/]+\/2$/);
	expect(await page.locator('.alert.error').innerText()).toContain('Failed at node Call');
});

test('the analytics page draws its four charts with the library served by the companion', async () => {
	await page.goto(`${setup.companion.url}/analytics`);
	// In the page (its DOM is not this test's): each canvas holds its chart.
	await page.waitForFunction(
		`['executions-chart', 'durations-chart', 'failing-chart', 'cost-chart'].every((id) => document.getElementById(id).chart)`,
		undefined,
		{ timeout: 5000 },
	);
	// Drawn, not blank: the executions chart has coloured pixels (its green and red bars).
	const coloured = await page.evaluate<number>(`(() => {
		const canvas = document.getElementById('executions-chart');
		const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
		let count = 0;
		for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && pixels[i] !== pixels[i + 1]) count++;
		return count;
	})()`);
	expect(coloured).toBeGreaterThan(100);
	await screenshot(page, 'analytics-charts');
});

test('the dashboard shows every environment’s health, drift, failures of the last 24 h and pending approvals at a glance', async () => {
	const { companion, admin, environmentId } = setup;
	const gone = await companion.environment(admin, {
		name: 'staging',
		class: 'staging',
		baseUrl: `http://127.0.0.1:${await closedPort()}`,
		apiKey: 'k',
	});
	// Down after two failed checks in a row; prod answers.
	for (const id of [gone.id, gone.id, environmentId])
		await companion.api(admin, 'POST', `/api/v1/environments/${id}/test`);
	// prod's class policy sends an activation for approval.
	const asked = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/activation`, {
		workflowIds: ['wf-1'],
		active: true,
	});
	expect(asked.status).toBe(202);

	await page.goto(`${companion.url}/dashboard`);
	const prod = page.locator(`#drift-${environmentId}`);
	const staging = page.locator(`#drift-${gone.id}`);
	await prod.locator('.status.ok', { hasText: 'up' }).waitFor();
	expect(await staging.locator('.status.bad').innerText()).toBe('down');
	expect(await prod.locator('a[href*="status=error"]').innerText()).toBe('1');
	expect(await prod.locator('a[href="/approvals"]').innerText()).toBe('1 waiting');
	expect(await staging.innerText()).toMatch(/down\s+since .* UTC/);
	await screenshot(page, 'dashboard-at-a-glance');
	await prod.locator('a[href*="status=error"]').click();
	await page.waitForURL(/\/executions\?environment=.*status=error/);
	expect(await page.locator('#execution-table tbody tr').count()).toBe(1);
});

test('the retention settings are saved from the policies page, and Prune now shows what it removed', async () => {
	await page.goto(`${setup.companion.url}/policies#retention`);
	const form = page.locator('form.retention-form');
	expect(await form.locator('input[name=executions]').inputValue()).toBe('90');
	await form.locator('input[name=jobs]').fill('30');
	await form.locator('button:has-text("Save the retention")').click();
	await page.waitForURL(/\/policies#retention$/);
	expect(await page.locator('form.retention-form input[name=jobs]').inputValue()).toBe('30');
	expect((await setup.companion.api(setup.admin, 'GET', '/api/v1/settings/retention')).body.jobs).toBe(30);

	await page.click('button:has-text("Prune now")');
	await page
		.locator('#retention-progress')
		.getByText(/✓ Removed .*KiB given back/)
		.waitFor();
	await screenshot(page, 'retention');
	await page.reload();
	await page.getByText(/Last run \d{4}-\d\d-\d\d \d\d:\d\d UTC: removed/).waitFor();
});
