import { allowEverything } from '../support/companion';
import type { Browser, Page } from 'playwright-core';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { openBrowser, screenshot, signIn } from '../support/browser';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

jest.setTimeout(60_000);

const CODE = ['const total = items.length;', 'return items.map((item) => item);', '// end'].join('\n');
const orders = (): N8nWorkflow => ({
	...httpWorkflow(1, 'https://erp.example.com', { name: 'Orders' }),
	nodes: [
		...httpWorkflow(1).nodes,
		{
			id: 'c',
			name: 'Shape',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [200, 0],
			parameters: { jsCode: CODE },
		},
	],
	connections: { Call: { main: [[{ node: 'Shape', type: 'main', index: 0 }]] } },
});

const store = fakeWorkflowStore([orders(), httpWorkflow(2, 'https://crm.example.com', { name: 'Leads' })]);
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

test('take a snapshot, see hand edits as a diff, restore them after confirming, delete the snapshot', async () => {
	await page.goto(`${setup.companion.url}/environments/${setup.environmentId}`);
	await page.click('a:has-text("Snapshots")');
	await page.getByText('No snapshot yet.').waitFor();
	await page.fill('input[name=label]', 'before release');
	await page.fill('textarea[name=reason]', 'weekly');
	await page.click('button:has-text("Take snapshot")');
	await page.waitForURL(/\/snapshots\/[^/]+$/);
	await page.getByRole('heading', { name: 'before release' }).waitFor();
	await page.getByRole('cell', { name: 'Orders' }).waitFor();

	const edited = store.workflows.get('wf-1')!;
	edited.nodes[0].parameters = { url: 'https://attacker.example.net/1' };
	edited.nodes[1].parameters = { jsCode: CODE.replace('item) => item', 'item) => ({ json: item.json })') };
	edited.nodes[1].name = 'Shape orders';
	edited.connections = { Call: { main: [[{ node: 'Shape orders', type: 'main', index: 0 }]] } };
	store.workflows.delete('wf-2');

	await page.click('a:has-text("Compare with live")');
	const orders = page.locator('details.compared', { hasText: 'Orders' });
	await orders.locator('.badge', { hasText: 'MODIFIED' }).waitFor();
	await orders.locator('.badge', { hasText: 'HIGH' }).first().waitFor();
	const call = orders.locator('section.diff-node.risk-HIGH', { hasText: 'Call' });
	expect(await call.locator('pre.before').textContent()).toBe('https://erp.example.com/1');
	expect(await call.locator('pre.after').textContent()).toBe('https://attacker.example.net/1');
	const shape = orders.locator('section.diff-node', { hasText: 'renamed from “Shape”' });
	expect(await shape.locator('.line.removed').allTextContents()).toEqual(['− return items.map((item) => item);']);
	expect(await shape.locator('.line.added').allTextContents()).toEqual([
		'+ return items.map((item) => ({ json: item.json }));',
	]);
	expect(await shape.locator('.line.same').count()).toBe(2);
	await page.locator('details.compared', { hasText: 'Leads' }).locator('.badge', { hasText: 'DELETED' }).waitFor();
	await page.getByText('UNCHANGED 0').waitFor();
	await screenshot(page, 'snapshot-compare');

	await page.goBack();
	await page.click('a:has-text("Restore…")');
	await page.locator('details.compared', { hasText: 'Orders' }).locator('.badge', { hasText: 'update' }).waitFor();
	await page.locator('details.compared', { hasText: 'Leads' }).locator('.badge', { hasText: 'create' }).waitFor();
	await page.uncheck('input[aria-label="Restore Leads"]');
	await page.fill('#restore-form textarea[name=reason]', 'undo the hand edit');
	await screenshot(page, 'snapshot-restore');
	await page.click('button:has-text("Restore the ticked workflows")');
	await page
		.locator('#restore-progress')
		.getByText('✓ Restored: 0 created, 1 updated, 0 deleted, 0 already matching')
		.waitFor();
	expect(store.workflows.get('wf-1')!.nodes[0].parameters).toEqual({ url: 'https://erp.example.com/1' });
	expect(store.workflows.has('wf-2')).toBe(false);

	await page.goto(`${setup.companion.url}/environments/${setup.environmentId}/snapshots`);
	await page.getByRole('cell', { name: /^Before restoring snapshot "before release"$/ }).waitFor();
	await page
		.locator('tr', { has: page.getByRole('cell', { name: 'before release', exact: true }) })
		.locator('a')
		.click();
	await page.click('button:has-text("Delete")');
	await page.waitForURL(/\/snapshots$/);
	await page.getByRole('cell', { name: 'before release', exact: true }).waitFor({ state: 'detached' });
});
