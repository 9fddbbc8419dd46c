import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient, type UiClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const devStore = fakeWorkflowStore([
	httpWorkflow(1, 'https://erp.example.com', { id: 'd-1', name: 'Invoice sync' }),
	httpWorkflow(2, 'https://erp.example.com', { id: 'd-2', name: 'Dup' }),
]);
const prodStore = fakeWorkflowStore([
	httpWorkflow(1, 'https://erp-hotfix.example.com', { id: 'p-1', name: 'Invoice sync' }),
	httpWorkflow(2, 'https://erp.example.com', { id: 'p-2a', name: 'Dup' }),
	httpWorkflow(3, 'https://erp.example.com', { id: 'p-2b', name: 'Dup' }),
]);

let companion: Companion;
let dev: string;
let prod: string;
let admin: UiClient;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore, { withAdmin: true }));
	admin = await signedInClient(companion, 'owner@example.com');
});
afterAll(() => close());

test('onboarding lists the proposals; one is linked with a click, an ambiguous one by choosing, and the matrix shows them', async () => {
	const page = await (await admin.get('/workflows/links')).text();
	expect(page).toContain('<h1>Onboarding</h1>');
	expect(page).toContain('Link all 1 unambiguous proposal');
	expect(page).toContain(`name="environment:${prod}"`);

	const linkedAll = await admin.post('/workflows/links/confirm', {}, { 'hx-request': 'true' });
	expect(linkedAll.status).toBe(200);
	const partial = await linkedAll.text();
	expect(partial).toMatch(/^<div id="link-proposals">/);
	expect(partial).not.toContain('Invoice sync');

	const none = await admin.post('/workflows/links', { [`environment:${dev}`]: 'd-2', [`environment:${prod}`]: '' });
	expect(none.status).toBe(400);
	expect(await none.text()).toContain('choose workflows in at least two environments');
	const chosen = await admin.post('/workflows/links', {
		[`environment:${dev}`]: 'd-2',
		[`environment:${prod}`]: 'p-2b',
	});
	expect(chosen.status).toBe(303);
	expect(chosen.headers.get('location')).toBe('/workflows/links');
	expect(await (await admin.get('/workflows/links')).text()).toContain('No proposal');

	const matrix = await (await admin.get('/workflows')).text();
	expect(matrix).toContain('<h1>Workflows</h1>');
	expect(matrix).toMatch(/Invoice sync<\/a> <span class="badge warn"[^>]*>differs<\/span>/);
	expect(matrix.match(/status-linked/g)).toHaveLength(2);
	expect(matrix).toContain(`/environments/${prod}/workflows/p-2a`);
});

test('the matrix filters as a partial, says what is wrong with a search, and its row actions come back to the same filters', async () => {
	const partial = await (await admin.get('/workflows?q=hotfix', { 'hx-request': 'true' })).text();
	expect(partial).toMatch(/^<div id="workflow-matrix">/);
	expect(partial).toContain('Invoice sync');
	expect(partial).not.toContain('Dup');

	const bad = await admin.get('/workflows?q=%21%21%21');
	expect(bad.status).toBe(400);
	expect(await bad.text()).toContain('q: has no word to search for');

	const row = (
		await companion.db
			.selectFrom('workflow_inventory')
			.select('canonical_id')
			.where('n8n_id', '=', 'p-2a')
			.executeTakeFirstOrThrow()
	).canonical_id;
	const ignored = await admin.post(`/workflows/${row}/ignore`, { ignored: 'true', back: '?status=IGNORED' });
	expect(ignored.status).toBe(303);
	expect(ignored.headers.get('location')).toBe('/workflows?status=IGNORED');
	expect(await (await admin.get('/workflows?status=IGNORED')).text()).toContain('Stop ignoring');
	const elsewhere = await admin.post(`/workflows/${row}/ignore`, { ignored: 'false', back: '//evil.example.com' });
	expect(elsewhere.headers.get('location')).toBe('/workflows');

	const invoice = (
		await companion.db
			.selectFrom('workflow_inventory')
			.select('canonical_id')
			.where('n8n_id', '=', 'd-1')
			.executeTakeFirstOrThrow()
	).canonical_id;
	const unlinked = await admin.post(`/workflows/${invoice}/environments/${prod}/unlink`, {});
	expect(unlinked.status).toBe(303);
	const again = await admin.post(`/workflows/${invoice}/environments/${prod}/unlink`, {});
	expect(again.status).toBe(404);
	expect(await again.text()).toContain('was not found');
});

test('a viewer sees the matrix and the proposals but no button to change them', async () => {
	await createUser(companion.db, CLI_CONTEXT, {
		email: 'viewer@example.com',
		password: 'correct horse battery',
		role: 'viewer',
	});
	const viewer = await signedInClient(companion, 'viewer@example.com');
	const matrix = await (await viewer.get('/workflows')).text();
	expect(matrix).not.toContain('Ignore');
	expect((await viewer.post('/workflows/links/confirm', {})).status).toBe(403);
});
