import { allowEverything } from '../support/companion';
import type { Browser, Page } from 'playwright-core';
import { openBrowser, screenshot, signIn } from '../support/browser';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

jest.setTimeout(60_000);

const store = fakeWorkflowStore([httpWorkflow(1, 'https://erp.example.com', { name: 'Invoices' }), httpWorkflow(2)]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await allowEverything(setup.companion, setup.admin);
	({ browser, page } = await openBrowser());
	await signIn(page, setup.companion.url, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
	await browser?.close();
	await setup?.close();
});

test('approve a baseline, set a schedule, see a hand edit on the dashboard, acknowledge it and revert it', async () => {
	await page.goto(`${setup.companion.url}/environments/${setup.environmentId}`);
	await page.click('a:has-text("Drift")');
	await page.getByText('NEW', { exact: true }).waitFor();
	await page.click('button:has-text("Approve current state")');
	await page.getByText('baseline: 2 workflows', { exact: false }).waitFor();
	await page.locator('.badge', { hasText: 'UNKNOWN' }).first().waitFor();

	await page.fill('input[name=cron]', 'every hour');
	await page.click('button:has-text("Save schedule")');
	await page.getByText(/Cron is not a cron expression/).waitFor();
	await page.fill('input[name=cron]', '*/15 * * * *');
	await page.click('button:has-text("Save schedule")');
	await page.waitForURL(/\/drift$/);
	expect(await page.inputValue('input[name=cron]')).toBe('*/15 * * * *');

	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net/1' };
	await page.click('nav >> text=Dashboard');
	const row = page.locator(`#drift-${setup.environmentId}`);
	await row.locator('button:has-text("Check now")').click();
	await row.locator('.badge', { hasText: 'DRIFT DETECTED' }).waitFor();
	await row.getByText('critical').waitFor();
	await screenshot(page, 'dashboard');
	await row.locator('a:has-text("critical")').click();

	const invoices = page.locator('details.compared', { hasText: 'Invoices' });
	await invoices.locator('.badge', { hasText: 'MODIFIED' }).waitFor();
	expect(await invoices.locator('pre.after').textContent()).toBe('https://evil.example.net/1');
	await page.fill('input[aria-label="Acknowledge note"]', 'looking into it');
	await page.click('button:has-text("Acknowledge")');
	await page.getByText(/Acknowledged by owner@example.com .*: looking into it/).waitFor();
	await screenshot(page, 'incident');
	await page.click('button:has-text("Revert to the baseline")');
	await page.locator('#revert-progress').getByText('✓ Restored: 0 created, 1 updated, 0 deleted').waitFor();
	expect(store.workflows.get('wf-1')!.nodes[0].parameters).toEqual({ url: 'https://erp.example.com/1' });
	await page.reload();
	await page.getByText(/Resolved \(revert\) by owner@example.com/).waitFor();
});

test('a webhook subscription shows its secret once and has a delivery log', async () => {
	await page.click('nav >> text=Webhooks');
	await page.fill('input[name=url]', 'http://127.0.0.1:9/never');
	await page.click('button:has-text("Subscribe")');
	await page.getByText('Events must name at least one event').waitFor();
	await page.check('input[value="drift.detected"]');
	await page.check('input[value="snapshot.created"]');
	await page.click('button:has-text("Subscribe")');
	expect(await page.inputValue('#new-secret')).toMatch(/^[\w-]{43}$/);
	await page.click('a:has-text("http://127.0.0.1:9/never")');
	await page.getByText('Nothing delivered yet.').waitFor();
	await page.click('nav >> text=Webhooks');
	expect(await page.locator('#new-secret').count()).toBe(0);
	await page.click('button:has-text("Remove")');
	await page.getByText('No subscription yet.').waitFor();
});
