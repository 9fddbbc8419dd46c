import fs from 'node:fs';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { openBrowser, screenshot, signIn } from '../support/browser';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

jest.setTimeout(60_000);

const devStore = fakeWorkflowStore([
	httpWorkflow(1, 'https://erp.example.com', { id: 'd-1', name: 'Invoice sync' }),
	httpWorkflow(2, 'https://reports.example.com', { id: 'd-2', name: 'Weekly report' }),
	httpWorkflow(3, 'https://hooks.slack.com', { id: 'd-3', name: 'Slack alert [dev]' }),
]);
const prodStore = fakeWorkflowStore([
	httpWorkflow(1, 'https://erp-hotfix.example.com', { id: 'p-1', name: 'Invoice sync', active: true }),
	httpWorkflow(2, 'https://reports.example.com', { id: 'p-2', name: 'Weekly report' }),
	httpWorkflow(3, 'https://hooks.slack.com', { id: 'p-3', name: 'Slack alert (prod)' }),
]);

let setup: Awaited<ReturnType<typeof companionWithDevAndProd>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
	setup = await companionWithDevAndProd(devStore, prodStore, { withAdmin: true });
	await setup.companion.api(setup.admin, 'POST', '/api/v1/pipelines', {
		name: 'Release',
		stages: [{ sourceEnvironmentId: setup.dev, targetEnvironmentId: setup.prod }],
	});
	({ browser, page } = await openBrowser());
	await signIn(page, setup.companion.url, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
	await browser?.close();
	await setup?.close();
});

test('an admin links the proposals, then reads the matrix: what differs in prod, found by search', async () => {
	await page.click('nav >> text=Workflows');
	await page.waitForURL('**/workflows');
	expect(await page.locator('#workflow-matrix tbody tr').count()).toBe(6);
	await page.click('a:has-text("Onboarding")');
	await page.waitForURL('**/workflows/links');
	await page.getByText('Slack alert (prod)').waitFor();
	await screenshot(page, 'onboarding');

	const slack = page.locator('tr', { hasText: 'Slack alert (prod)' });
	await slack.locator('button:has-text("Not the same")').click();
	await slack.waitFor({ state: 'detached' });
	await page.click('button:has-text("Link all 2 unambiguous proposals")');
	await page.getByText('No proposal').waitFor();

	await page.click('a:has-text("← Workflows")');
	expect(await page.locator('#workflow-matrix tbody tr').count()).toBe(4);
	const invoice = page.locator('#workflow-matrix tr', { hasText: 'Invoice sync' });
	await invoice.getByText('LINKED').waitFor();
	await invoice.getByText('≠ differs').waitFor();
	await page.locator('#workflow-matrix tr', { hasText: 'Weekly report' }).getByText('= same').waitFor();
	await screenshot(page, 'matrix');

	await page.check('input[name=differs]');
	await page.locator('#workflow-matrix tr', { hasText: 'Weekly report' }).waitFor({ state: 'detached' });
	await page.waitForURL(/differs=true/);
	await page.uncheck('input[name=differs]');
	await page.fill('input[name=q]', 'hotfix');
	await page.locator('#workflow-matrix tr', { hasText: 'Weekly report' }).waitFor({ state: 'detached' });
	await page.waitForURL(/q=hotfix/);
	expect(await page.locator('#workflow-matrix tbody tr').count()).toBe(1);

	await page.click('#workflow-matrix a:has-text("Invoice sync")');
	await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
	expect(await page.locator('.workflow-picture g.node').count()).toBe(1);
	await page.click('a:has-text("diff with dev")');
	await page.locator('.workflow-picture g.node.changed').waitFor();
	await page.getByText('From dev to prod').waitFor();
	await screenshot(page, 'workflow-everywhere');
	await page.click('a:has-text("← Workflows")');

	await page.locator('#workflow-matrix tr', { hasText: 'Weekly report' }).waitFor();
	await page
		.locator('#workflow-matrix tr', { hasText: 'Weekly report' })
		.locator('button:has-text("unlink")')
		.last()
		.click();
	await page.waitForURL('**/workflows?**');
	await page.locator('#workflow-matrix tr', { hasText: 'Weekly report' }).nth(1).waitFor();
	expect(await page.locator('#workflow-matrix tr', { hasText: 'Weekly report' }).count()).toBe(2);
});

test('in prod the class policy holds a deactivation for another admin, who approves it from the inbox', async () => {
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'second@example.com',
		password: 'correct horse battery',
		role: 'admin',
	});
	await page.goto(`${setup.companion.url}/environments/${setup.prod}`);
	await page.locator('.class-policy').getByText('needs approval').first().waitFor();
	await page.check('input[aria-label="Select Invoice sync"]');
	await page.check('input[aria-label="Select Weekly report"]');
	await page.click('#selection-form button:has-text("Ask to deactivate")');
	await page.locator('#activation-progress').getByText('waits for approval').waitFor();
	expect(prodStore.workflows.get('p-1')!.active).toBe(true);

	const second = await browser.newPage();
	second.on('dialog', (dialog) => void dialog.accept());
	await signIn(second, setup.companion.url, 'second@example.com', 'correct horse battery');
	await second.click('nav >> text=Approvals');
	await second
		.locator('#approval-table tr', { hasText: 'Deactivate "Invoice sync", "Weekly report"' })
		.locator('a')
		.click();
	await second.click('button:has-text("Approve and run")');
	await second.getByText('1 deactivated, 1 already inactive, 0 failed.').waitFor();
	await screenshot(second, 'approval');
	expect(prodStore.workflows.get('p-1')!.active).toBe(false);
	await second.close();
});

test('an admin changes a class’s rule on the policies page, and the environment’s buttons follow it', async () => {
	await page.goto(`${setup.companion.url}/policies`);
	await page.selectOption('select[name="prod.activation"]', 'allowed');
	await page.click('button:has-text("Save")');
	await page.waitForURL('**/policies');
	expect(await page.inputValue('select[name="prod.activation"]')).toBe('allowed');
	await screenshot(page, 'policies');

	await page.goto(`${setup.companion.url}/environments/${setup.prod}`);
	await page.check('input[aria-label="Select Invoice sync"]');
	await page.click('#selection-form button:has-text("Activate")');
	await page.locator('#activation-progress').getByText('1 activated, 0 already active, 0 failed.').waitFor();
	expect(prodStore.workflows.get('p-1')!.active).toBe(true);
});

test('on an environment’s page, the selection downloads as a ZIP, and workflow files upload with a report on each', async () => {
	await page.goto(`${setup.companion.url}/environments/${setup.dev}`);
	await page.check('input[aria-label="Select Weekly report"]');
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.click('#selection-form button:has-text("Download")'),
	]);
	expect(download.suggestedFilename()).toMatch(/^dev-\d{4}-\d\d-\d\d\.zip$/);
	const zip = unzipSync(new Uint8Array(fs.readFileSync(await download.path())));
	expect(Object.keys(zip).sort()).toEqual(['manifest.json', 'workflows/weekly-report--d-2.json']);

	await page.click('summary:has-text("Upload workflows")');
	await page.setInputFiles('input[name=files]', [
		{
			name: 'good.json',
			mimeType: 'application/json',
			buffer: Buffer.from(JSON.stringify({ ...httpWorkflow(7), name: 'Uploaded' })),
		},
		{ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"nodes": 3}') },
	]);
	await page.click('button:has-text("Upload")');
	await page.locator('#import-progress').getByText('1 created, 1 refused, 0 failed.').waitFor();
	await page.locator('#import-progress').getByText('bad.json').waitFor();
	await page.locator('#inventory-table').getByRole('link', { name: 'Uploaded' }).waitFor();
	await screenshot(page, 'upload');
});
