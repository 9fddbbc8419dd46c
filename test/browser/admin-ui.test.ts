import type { Browser, Page } from 'playwright-core';
import { openBrowser, screenshot } from '../support/browser';
import { type Companion, startCompanion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';

jest.setTimeout(60_000);

const WORKFLOWS = [
	{
		id: 'w1',
		name: 'Invoice sync',
		active: true,
		tags: [{ id: 't', name: 'finance' }],
		nodes: [
			{
				id: 'a',
				name: 'Every hour',
				type: 'n8n-nodes-base.scheduleTrigger',
				typeVersion: 1.2,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'b',
				name: 'Fetch',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [200, 0],
				parameters: { url: 'https://x' },
				credentials: { httpHeaderAuth: { id: '1', name: 'ERP key' } },
			},
		],
		connections: { 'Every hour': { main: [[{ node: 'Fetch', type: 'main', index: 0 }]] } },
		settings: {},
	},
	{ id: 'w2', name: 'Lead capture', active: false, tags: [], nodes: [], connections: {}, settings: {} },
];

let companion: Companion;
let browser: Browser;
let page: Page;
let n8n: Awaited<ReturnType<typeof startFakeN8n>>;

beforeAll(async () => {
	companion = await startCompanion();
	n8n = await startFakeN8n((req, url) => {
		if (url.pathname === '/rest/settings') return { status: 200, body: { data: { versionCli: '2.40.7' } } };
		if (req.headers['x-n8n-api-key'] !== 'good-key') return { status: 401, body: {} };
		if (url.pathname === '/api/v1/workflows' && url.searchParams.get('limit') === '250') {
			return { status: 200, body: { data: WORKFLOWS, nextCursor: null }, delayMs: 300 };
		}
		return { status: 200, body: { data: [], nextCursor: null } };
	});
	({ browser, page } = await openBrowser());
});

afterAll(async () => {
	await browser?.close();
	await n8n?.close();
	await companion?.close();
});

const shot = (name: string) => screenshot(page, name);

test('a newcomer sets up the owner, signs in, adds an environment, tests it and reads the audit log', async () => {
	await page.goto(companion.url);
	await page.waitForURL('**/setup');
	await page.fill('input[name=email]', 'owner@example.com');
	await page.fill('input[name=password]', 'correct horse battery');
	await page.fill('input[name=confirm]', 'correct horse battery');
	await shot('1-setup');
	await page.click('button:has-text("Create owner account")');
	await page.waitForURL('**/environments');
	await page.getByText('No n8n instance is governed yet.').waitFor();

	await page.click('button:has-text("Sign out")');
	await page.waitForURL('**/login');
	await page.fill('input[name=email]', 'owner@example.com');
	await page.fill('input[name=password]', 'wrong password');
	await page.click('button:has-text("Sign in")');
	await page.getByText('The email or the password is wrong').waitFor();
	await page.fill('input[name=password]', 'correct horse battery');
	await page.click('button:has-text("Sign in")');
	await page.waitForURL('**/environments');

	await page.click('text=Add environment');
	await page.fill('input[name=name]', 'prod');
	await page.fill('input[name=baseUrl]', n8n.url);
	await page.selectOption('select[name=class]', 'prod');
	await page.fill('input[name=apiKey]', 'wrong-key');
	await page.click('button:has-text("Test connection")');
	await page.locator('#form-test-result').getByText('rejected the API key (401)').waitFor();
	await page.fill('input[name=apiKey]', 'good-key');
	await page.click('button:has-text("Test connection")');
	await page.locator('#form-test-result').getByText('✓ Connected to n8n 2.40.7').waitFor();
	await shot('2-environment-form');
	await page.click('button:has-text("Save")');
	await page.waitForURL('**/environments');

	const row = page.locator('tr', { hasText: 'prod' });
	await row.getByText('Not tested yet').waitFor();
	await row.locator('button:has-text("Test connection")').click();
	await row.getByText('✓ Connected to n8n 2.40.7').waitFor();
	await shot('3-environments');

	await page.click('nav >> text=Audit log');
	await page.waitForURL('**/audit');
	for (const action of ['environment.test', 'environment.create', 'auth.login', 'auth.login_failed', 'user.create']) {
		await page
			.locator('td.mono', { hasText: new RegExp(`^${action.replace('.', '\\.')}$`) })
			.first()
			.waitFor();
	}
	await page.fill('input[name=action]', 'environment.*');
	await page.click('button:has-text("Filter")');
	await page.waitForURL(/action=environment/);
	await page.locator('#audit-table td.mono', { hasText: /^auth\.login$/ }).waitFor({ state: 'detached' });
	expect(await page.locator('#audit-table tbody tr').count()).toBe(2);
	await page.click('button:has-text("Verify chain")');
	await page.getByText(/Chain intact: \d+ entries checked/).waitFor();
	await shot('4-audit');
});

test('a sync shows its progress live, then the inventory, then a workflow’s nodes and connections', async () => {
	await page.click('nav >> text=Environments');
	await page.click('a:has-text("prod")');
	await page.getByText('Not synced yet.').waitFor();
	await page.click('button:has-text("Sync now")');
	await page.locator('#sync-progress').getByText('✓ Synced 2 workflows').waitFor();
	// The inventory below updates by itself.
	await page.locator('#inventory-table').getByRole('link', { name: 'Invoice sync' }).waitFor();
	expect(await page.getByText('Not synced yet.').count()).toBe(0);
	await shot('5-synced');
	await page.click('text=Show the inventory');
	await page.getByRole('link', { name: 'Invoice sync' }).waitFor();
	await page.fill('input[name=q]', 'lead');
	await page.locator('#inventory-table').getByText('Invoice sync').waitFor({ state: 'detached' });
	await page.getByRole('link', { name: 'Lead capture' }).waitFor();
	await page.fill('input[name=q]', '');
	await page.fill('input[name=nodeType]', 'n8n-nodes-base.httpRequest');
	await page.click('button:has-text("Filter")');
	await page.locator('#inventory-table').getByText('Lead capture').waitFor({ state: 'detached' });
	await page.click('a:has-text("Invoice sync")');
	await page.getByText('ERP key').waitFor();
	await page.getByText('Every hour [main 0] → Fetch').waitFor();
	await shot('6-workflow');
});

test('the new token is shown once on the tokens page', async () => {
	await page.click('nav >> text=Users');
	await page.click('a:has-text("API tokens")');
	await page.fill('input[name=name]', 'n8n prod');
	await page.click('button:has-text("Create token")');
	const token = await page.inputValue('#new-token');
	expect(token).toMatch(/^wfo_/);
	await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
	await page.click('button[data-copy=new-token]');
	await page.locator('button[data-copy=new-token]', { hasText: 'Copied' }).waitFor();
	expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
	await page.click('a:has-text("← Users")');
	await page.click('a:has-text("API tokens")');
	expect(await page.locator('#new-token').count()).toBe(0);
	await page.getByText('n8n prod').waitFor();
});

test('back and forward through filtered pages (htmx history) bring back whole pages, never a bare table', async () => {
	await page.click('nav >> text=Audit log');
	for (const action of ['token.*', 'environment.*']) {
		await page.fill('input[name=action]', action);
		await page.press('input[name=action]', 'Enter');
		await page.waitForURL(
			new RegExp(`/audit\\?.*action=${encodeURIComponent(action).replace('.', '\\.').replace('*', '\\*')}`),
		);
	}
	// A history cache miss makes htmx ask the server for the page again.
	await page.evaluate('sessionStorage.clear()');
	// Enter fires both triggers (change, submit): each filter may have pushed two entries.
	for (let i = 0; i < 3 && !page.url().includes('action=token'); i++) await page.goBack({ waitUntil: 'commit' });
	await page.waitForURL(/action=token/);
	await page.locator('#audit-table').waitFor();
	expect(await page.locator('nav').count()).toBe(1);
	expect(await page.locator('form.filters').count()).toBe(1);
	await page.evaluate('sessionStorage.clear()');
	for (let i = 0; i < 3 && !page.url().includes('action=environment'); i++)
		await page.goForward({ waitUntil: 'commit' });
	await page.waitForURL(/action=environment/);
	await page.locator('#audit-table').waitFor();
	expect(await page.locator('nav').count()).toBe(1);
	expect(await page.locator('form.filters').count()).toBe(1);
});
