import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

/** A workflow whose HTTP node uses `credentials` (by id and name, or by name alone). */
const using = (id: string, name: string, credentials: Record<string, unknown>): N8nWorkflow => {
	const base = httpWorkflow(1);
	return { ...base, id, name, nodes: [{ ...base.nodes[0], credentials } as N8nWorkflow['nodes'][number]] };
};

// dev answers its credential list (2.x); prod answers 404 (1.x), so its credentials are what its workflows name.
const devStore = fakeWorkflowStore([
	using('d-1', 'Invoice sync', { httpHeaderAuth: { id: 'c-1', name: 'ERP key' } }),
	using('d-2', 'Report', { httpHeaderAuth: 'ERP key' }),
	using('d-3', 'Broken', { httpHeaderAuth: { id: 'c-gone', name: 'Old key' } }),
]);
devStore.credentials = [
	{ id: 'c-1', name: 'ERP key', type: 'httpHeaderAuth' },
	{ id: 'c-2', name: 'Unused', type: 'slackApi' },
];
const prodStore = fakeWorkflowStore([
	using('p-1', 'Invoice sync', { httpHeaderAuth: { id: 'c-9', name: 'ERP key (prod)' } }),
]);
let companion: Companion;
let admin: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore, { withAdmin: true }));
	for (const environmentId of [dev, prod]) await syncAndFollow(companion, admin, environmentId);
});
afterAll(() => close());

test('an environment’s credentials: the listed ones with the workflows using each, and those named but missing', async () => {
	const { status, body } = await companion.api(admin, 'GET', `/api/v1/environments/${dev}/credentials`);
	expect(status).toBe(200);
	expect(body).toEqual({
		environmentId: dev,
		listed: true,
		credentials: [
			{
				id: 'c-1',
				name: 'ERP key',
				type: 'httpHeaderAuth',
				listed: true,
				missing: false,
				workflows: [
					{ id: 'd-1', name: 'Invoice sync', nodes: ['Call'] },
					{ id: 'd-2', name: 'Report', nodes: ['Call'] },
				],
				health: null,
			},
			{
				id: 'c-gone',
				name: 'Old key',
				type: 'httpHeaderAuth',
				listed: false,
				missing: true,
				workflows: [{ id: 'd-3', name: 'Broken', nodes: ['Call'] }],
				health: null,
			},
			{ id: 'c-2', name: 'Unused', type: 'slackApi', listed: true, missing: false, workflows: [], health: null },
		],
	});
	const seen = await companion.api(admin, 'GET', `/api/v1/environments/${prod}/credentials`);
	expect(seen.body).toMatchObject({
		listed: false,
		credentials: [{ id: 'c-9', name: 'ERP key (prod)', listed: false, missing: false }],
	});
	expect((await companion.api(admin, 'GET', '/api/v1/environments/nope/credentials')).status).toBe(404);
});

test('across environments: one row per type and name, with the bindings to credentials named otherwise', async () => {
	await companion.api(admin, 'PUT', '/api/v1/credential-bindings', {
		sourceEnvironmentId: dev,
		sourceCredentialId: 'c-1',
		targetEnvironmentId: prod,
		targetCredentialId: 'c-9',
	});
	const { body } = await companion.api(admin, 'GET', '/api/v1/credentials');
	expect(body.environments.map((environment: { name: string }) => environment.name)).toEqual(['dev', 'prod']);
	const rows = Object.fromEntries(body.rows.map((row: { name: string }) => [row.name, row]));
	expect(rows['ERP key']).toMatchObject({
		environments: { [dev]: { id: 'c-1', workflows: 2 } },
		bindings: [expect.objectContaining({ targetEnvironmentId: prod, targetCredentialId: 'c-9' })],
	});
	expect(rows['ERP key'].environments[prod]).toBeUndefined();
	expect(rows['ERP key (prod)'].environments).toEqual({
		[prod]: { id: 'c-9', listed: false, missing: false, workflows: 1 },
	});

	const viewer = await signedInClient(companion, 'owner@example.com');
	const page = await (await viewer.get('/credentials')).text();
	expect(page).toContain('<h1>Credentials</h1>');
	expect(page).toContain('prod: ERP key (prod)');
	const environmentPage = await (await viewer.get(`/environments/${dev}/credentials`)).text();
	expect(environmentPage).toContain(`href="/environments/${dev}/workflows/d-3">Broken</a>`);
	expect(environmentPage).toContain('missing</span>');
});

test('findings: the content rules over an environment’s synced workflows, at its class, on the API and its page', async () => {
	prodStore.workflows.set('p-2', {
		...using('p-2', 'Shell out', {}),
		nodes: [
			{
				id: 'x',
				name: 'Run',
				type: 'n8n-nodes-base.executeCommand',
				typeVersion: 1,
				position: [0, 0],
				parameters: { command: 'ls' },
			},
		],
		settings: { errorWorkflow: 'p-1' },
	});
	await syncAndFollow(companion, admin, prod);
	const { status, body } = await companion.api(admin, 'GET', `/api/v1/environments/${prod}/findings`);
	expect(status).toBe(200);
	expect(body).toMatchObject({ environmentId: prod, class: 'prod', counts: { error: 1, warning: 1, info: 0 } });
	expect(body.workflows).toEqual([
		{
			id: 'p-1',
			name: 'Invoice sync',
			findings: [
				{ rule: 'no_error_workflow', severity: 'warning', message: 'has no error workflow: a failure goes unnoticed' },
			],
		},
		{
			id: 'p-2',
			name: 'Shell out',
			findings: [
				{
					rule: 'banned_node',
					severity: 'error',
					message: 'uses n8n-nodes-base.executeCommand, which is not allowed',
					node: 'Run',
				},
			],
		},
	]);
	expect((await companion.api(admin, 'GET', '/api/v1/environments/nope/findings')).status).toBe(404);
	const viewer = await signedInClient(companion, 'owner@example.com');
	const page = await (await viewer.get(`/environments/${prod}/findings`)).text();
	expect(page).toContain('1 error, 1 warning, 0 notes');
	expect(page).toContain('Run: uses n8n-nodes-base.executeCommand, which is not allowed');
});
