import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';

/** A webhook that calls an ERP, runs some code and the sub-workflow `sub`; its error workflow is `errors`. */
const invoiceSync = (id: string, url: string, errors: string, sub: string): N8nWorkflow => ({
	id,
	name: 'Invoice sync',
	active: false,
	nodes: [
		{
			id: 'a',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			parameters: { path: 'x' },
		},
		{
			id: 'b',
			name: 'Fetch',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4,
			position: [220, 0],
			parameters: { url },
			credentials: { httpHeaderAuth: { id: 'c1', name: 'ERP key' } },
		},
		{ id: 'c', name: 'Shape', type: 'n8n-nodes-base.code', typeVersion: 2, position: [440, 0], parameters: {} },
		{
			id: 'd',
			name: 'Notify',
			type: 'n8n-nodes-base.executeWorkflow',
			typeVersion: 1,
			position: [660, 100],
			parameters: { workflowId: sub },
			disabled: true,
		},
		{ id: 'e', name: 'Note', type: 'n8n-nodes-base.stickyNote', typeVersion: 1, position: [0, 300], parameters: {} },
	],
	connections: {
		Webhook: { main: [[{ node: 'Fetch', type: 'main', index: 0 }]] },
		Fetch: { main: [[{ node: 'Shape', type: 'main', index: 0 }]] },
		Shape: { main: [[{ node: 'Notify', type: 'main', index: 0 }]] },
	},
	settings: { errorWorkflow: errors },
});
const named = (id: string, name: string): N8nWorkflow => ({
	...invoiceSync(id, '', '', ''),
	name,
	nodes: [],
	connections: {},
	settings: {},
});

const devStore = fakeWorkflowStore([
	invoiceSync('d-1', 'https://erp.example.com/invoices', 'errors', 'sub'),
	named('errors', 'Errors'),
	named('sub', 'Notifier'),
]);
const prodStore = fakeWorkflowStore([
	invoiceSync('p-1', 'https://erp.example.com/invoices', 'errors', 'sub'),
	named('errors', 'Errors'),
	named('sub', 'Notifier'),
]);
let companion: Companion;
let admin: string;
let dev: string;
let prod: string;
let canonicalId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore, { withAdmin: true }));
	const linked = await companion.api(admin, 'POST', '/api/v1/workflow-links', {
		members: [
			{ environmentId: dev, workflowId: 'd-1' },
			{ environmentId: prod, workflowId: 'p-1' },
		],
	});
	canonicalId = linked.body.canonicalId;
});
afterAll(() => close());

const everywhere = async () => {
	const { status, body } = await companion.api(admin, 'GET', `/api/v1/workflows/${canonicalId}`);
	expect(status).toBe(200);
	return body;
};

test('one workflow in every environment: each version with what it is made of', async () => {
	const body = await everywhere();
	expect(body).toMatchObject({ canonicalId, name: 'Invoice sync', status: 'LINKED', snapshots: [] });
	expect(body.versions.map((version: any) => [version.environment.name, version.workflowId])).toEqual([
		['dev', 'd-1'],
		['prod', 'p-1'],
	]);
	expect(body.versions[0].contentHash).toBe(body.versions[1].contentHash);
	expect(body.versions[0].complexity).toEqual({
		nodes: 4,
		disabled: 1,
		triggers: ['Webhook'],
		credentials: [{ type: 'httpHeaderAuth', name: 'ERP key' }],
		httpHosts: ['erp.example.com'],
		codeNodes: ['Shape'],
		subWorkflowCalls: ['Notify'],
		errorWorkflow: 'errors',
	});
	expect(body.versions[1]).toMatchObject({ lastPromotion: null, openDrift: null });
	expect((await companion.api(admin, 'GET', '/api/v1/workflows/nope')).status).toBe(404);
});

test('a hand edit in prod shows as its open drift and in the diff between the two', async () => {
	await companion.api(admin, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	prodStore.workflows.get('p-1')!.nodes[1].parameters = { url: 'https://erp-hotfix.example.com/invoices' };
	expect((await companion.api(admin, 'POST', `/api/v1/environments/${prod}/drift-checks`)).status).toBe(201);
	await syncAndFollow(companion, admin, prod);

	const body = await everywhere();
	expect(body.versions[1].openDrift).toMatchObject({ driftStatus: 'MODIFIED', status: 'OPEN' });
	expect(body.versions[1].complexity.httpHosts).toEqual(['erp-hotfix.example.com']);
	const { status, body: compared } = await companion.api(
		admin,
		'GET',
		`/api/v1/workflows/${canonicalId}/diff?from=${dev}&to=${prod}`,
	);
	expect(status).toBe(200);
	expect(compared).toMatchObject({
		from: { environmentId: dev, workflowId: 'd-1' },
		to: { environmentId: prod, workflowId: 'p-1' },
		diff: { risk: 'HIGH', nodes: { changed: ['Fetch'] } },
	});
	const missing = await companion.api(admin, 'GET', `/api/v1/workflows/${canonicalId}/diff?from=${dev}&to=nope`);
	expect([missing.status, missing.body.error.message]).toEqual([
		422,
		'to: environment nope has no version of this workflow',
	]);
	expect((await companion.api(admin, 'GET', `/api/v1/workflows/${canonicalId}/diff?from=${dev}`)).status).toBe(400);
});

test('its snapshots and the promotion that last wrote it are listed', async () => {
	const snapshot = await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId: dev, label: 'before' });
	expect(snapshot.status).toBe(201);
	const approver = await companion.token('admin');
	const requested = await companion.api(admin, 'POST', '/api/v1/promotions', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: prod,
		workflowIds: ['d-1'],
		overrideHotfixes: ['p-1'],
	});
	expect([requested.status, requested.body.error?.message, requested.body.error?.details]).toEqual([
		201,
		undefined,
		undefined,
	]);
	await companion.api(approver, 'POST', `/api/v1/promotions/${requested.body.id}/approve`, {});
	const started = await companion.api(admin, 'POST', `/api/v1/promotions/${requested.body.id}/execute`);
	expect(started.status).toBe(202);
	await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, { authorization: `Bearer ${admin}` });

	const body = await everywhere();
	// Newest first: the promotion's safety snapshot of prod, then the one taken of dev.
	expect(body.snapshots).toEqual([
		expect.objectContaining({ environmentId: prod, label: `Before promotion ${requested.body.id}` }),
		expect.objectContaining({ id: snapshot.body.id, environmentId: dev, label: 'before' }),
	]);
	expect(body.versions[1].lastPromotion).toMatchObject({ id: requested.body.id, sourceEnvironmentId: dev });
	expect(body.versions[0].lastPromotion).toBeNull();
});

test('its page: versions side by side, the picture of a version, and a diff with its changed nodes marked', async () => {
	prodStore.workflows.get('p-1')!.nodes[2].parameters = { jsCode: 'return [];' };
	await syncAndFollow(companion, admin, prod);
	const ui = await signedInClient(companion, 'owner@example.com');
	const page = await (await ui.get(`/workflows/${canonicalId}`)).text();
	expect(page).toContain('<h1>Invoice sync <span class="badge status-linked">LINKED</span></h1>');
	expect(page).toContain('dev’s version');
	expect(page.match(/<g class="node/g)).toHaveLength(4);
	expect(page.match(/<path class="edge/g)).toHaveLength(3);
	expect(page).toContain('<g class="node disabled"');
	expect(page).toContain('<g class="node trigger"');
	expect(page).not.toContain('node changed');

	const diff = await (await ui.get(`/workflows/${canonicalId}?a=${dev}&b=${prod}`)).text();
	expect(diff).toContain('prod, its changes from dev marked');
	expect(diff.match(/<g class="node changed"/g)).toHaveLength(1);
	expect(diff).toContain('<title>Shape (n8n-nodes-base.code), changed</title>');
	expect(diff).toContain('From dev to prod');
	expect(diff).toContain('erp.example.com');

	const matrix = await (await ui.get('/workflows')).text();
	expect(matrix).toContain(`<a href="/workflows/${canonicalId}">Invoice sync</a>`);
	expect((await ui.get('/workflows/nope')).status).toBe(404);
});
