import { NodeApiError } from 'n8n-workflow';
import { Snapshot } from '../../nodes/Snapshot/Snapshot.node';
import { allowEverything, type Companion } from '../support/companion';
import { startFakeGitHub } from '../support/fake-github';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow as workflow } from '../support/workflows';
import { loadOptions, runNode } from './harness';

const node = new Snapshot();
const store = fakeWorkflowStore();
let companion: Companion;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
	await allowEverything(companion, admin);
});
afterAll(() => close());

const run = (parameters: object[], token = admin) =>
	runNode({ node, credentials: { baseUrl: companion.url, apiToken: token }, parameters: parameters as any });

async function takeSnapshot(label: string) {
	const [[item]] = await run([{ operation: 'create', environmentId, label, additionalFields: { reason: 'nightly' } }]);
	return item.json;
}

test('an optional Environment (List) offers All Environments, so the untouched field holds a listed value', async () => {
	const field = node.description.properties.find(
		(property) => property.name === 'environmentId' && property.displayOptions?.show?.operation?.includes('list'),
	)!;
	expect(field.typeOptions?.loadOptionsMethod).toBe('getEnvironmentsOrAll');
	const options = await loadOptions(
		{ node, credentials: { baseUrl: companion.url, apiToken: admin } },
		'getEnvironmentsOrAll',
	);
	expect(options).toEqual([
		{ name: 'All Environments', value: '' },
		{ name: 'prod (prod)', value: environmentId },
	]);
	expect(options.map((option) => option.value)).toContain(field.default);
});

test('n8n unreachable: the error says so, and its detail names the call in words, not JSON', async () => {
	const unreachable = await companion.environment(admin, { name: 'gone', baseUrl: 'http://127.0.0.1:9', apiKey: 'k' });
	const attempt = run([{ operation: 'create', environmentId: { __rl: true, mode: 'list', value: unreachable.id } }]);
	await expect(attempt).rejects.toThrow(NodeApiError);
	await expect(attempt).rejects.toMatchObject({ description: 'endpoint: GET /api/v1/workflows' });
});

test('Create (all or a selection), List and Get', async () => {
	store.reset([workflow(1), workflow(2), workflow(3)]);
	const all = await takeSnapshot('nightly');
	expect(all).toMatchObject({ environmentId, label: 'nightly', reason: 'nightly', workflowCount: 3, selective: false });
	const [[some]] = await run([
		{ operation: 'create', environmentId, label: 'two', additionalFields: { workflowIds: 'wf-1, wf-3' } },
	]);
	expect(some.json).toMatchObject({ workflowCount: 2, selective: true });

	const [listed] = await run([{ operation: 'list', environmentId, returnAll: false, limit: 1 }]);
	expect(listed.map((item) => item.json.id)).toEqual([some.json.id]);
	const [[got]] = await run([{ operation: 'get', snapshotId: all.id }]);
	expect((got.json.workflows as any[]).map((w) => w.workflowId)).toEqual(['wf-1', 'wf-2', 'wf-3']);
});

test('Compare gives one item per workflow with status and risk, for an IF to branch on', async () => {
	store.reset([workflow(1), workflow(2), workflow(3)]);
	const snapshot = await takeSnapshot('before');
	store.reset([workflow(1), workflow(2, 'https://evil.example.com'), workflow(4)]);

	const [items] = await run([
		{ operation: 'compare', snapshotId: snapshot.id, against: 'live', includeDiff: false, onlyDifferences: false },
	]);
	expect(items.map(({ json }) => [json.workflowId, json.status, json.risk])).toEqual([
		['wf-1', 'UNCHANGED', null],
		['wf-2', 'MODIFIED', 'HIGH'],
		['wf-3', 'DELETED', 'HIGH'],
		['wf-4', 'ADDED', 'HIGH'],
	]);
	expect(items[1].json).not.toHaveProperty('diff');
	expect(items.every((item) => item.pairedItem && (item.pairedItem as any).item === 0)).toBe(true);

	const [differences] = await run([
		{ operation: 'compare', snapshotId: snapshot.id, against: 'live', includeDiff: true, onlyDifferences: true },
	]);
	expect(differences.map(({ json }) => json.workflowId)).toEqual(['wf-2', 'wf-3', 'wf-4']);
	expect((differences[0].json.diff as any).changes[0]).toMatchObject({ path: 'parameters.url' });
});

test('Restore: Preview per workflow, then Apply waits for the job and returns what it did', async () => {
	store.reset([workflow(1), workflow(2)]);
	const snapshot = await takeSnapshot('good');
	store.reset([workflow(1, 'https://x.example.com'), workflow(2)]);

	const [preview] = await run([
		{ operation: 'restore', snapshotId: snapshot.id, mode: 'preview', scope: 'all', includeDiff: false },
	]);
	expect(preview.map(({ json }) => [json.workflowId, json.action, json.risk])).toEqual([
		['wf-1', 'update', 'HIGH'],
		['wf-2', 'none', null],
	]);

	const [[applied]] = await run([
		{
			operation: 'restore',
			snapshotId: snapshot.id,
			mode: 'apply',
			scope: 'selected',
			workflowIds: 'wf-1',
			reason: 'x',
		},
	]);
	expect(applied.json).toMatchObject({ updated: ['wf-1'], created: [], deleted: [], jobId: expect.any(String) });
	expect((store.workflows.get('wf-1')!.nodes[0].parameters as any).url).toBe('https://erp.example.com/1');
});

test('a failed restore, an unknown snapshot and a viewer’s apply become NodeApiErrors with the companion’s message', async () => {
	store.reset([workflow(1)]);
	const snapshot = await takeSnapshot('good');
	store.reset([workflow(1, 'https://x.example.com')]);
	store.fault = (method) => (method === 'PUT' ? { status: 400, message: 'no' } : undefined);
	const apply = { operation: 'restore', snapshotId: snapshot.id, mode: 'apply', scope: 'all', reason: '' };
	const failed = run([apply]);
	await expect(failed).rejects.toThrow(NodeApiError);
	await expect(failed).rejects.toThrow(/^Restoring "Workflow 1" \(wf-1\) failed: .*HTTP 400: no/);
	store.fault = undefined;

	await expect(run([{ operation: 'get', snapshotId: 'nope' }])).rejects.toThrow('Snapshot was not found');
	const viewer = await companion.token('viewer');
	await expect(run([apply], viewer)).rejects.toThrow(/permission/);
});

test('Apply where the class policy asks for approval returns the request; where it warns, Confirm goes ahead', async () => {
	store.reset([workflow(1)]);
	const snapshot = await takeSnapshot('approved');
	store.reset([workflow(1, 'https://x.example.com')]);
	const apply = { operation: 'restore', snapshotId: snapshot.id, mode: 'apply', scope: 'all', reason: 'roll back' };
	const policy = (restore: string) => companion.api(admin, 'PATCH', '/api/v1/policies/classes/prod', { restore });
	try {
		await policy('requires_approval');
		const [[asked]] = await run([apply]);
		expect(asked.json.approvalRequest).toMatchObject({
			status: 'PENDING_APPROVAL',
			action: 'restore',
			reason: 'roll back',
			summary: 'Restore every workflow from snapshot "approved"',
		});
		expect(JSON.stringify(store.workflows.get('wf-1'))).toContain('x.example.com');

		await policy('warn');
		await expect(run([apply])).rejects.toThrow(/warns about this/);
		const [[confirmed]] = await run([{ ...apply, confirm: true }]);
		expect(confirmed.json).toMatchObject({ updated: ['wf-1'] });
	} finally {
		await policy('allowed');
	}
});

test('Push to Git commits the snapshot to the environment’s mirror', async () => {
	const github = await startFakeGitHub({ owner: 'acme', repo: 'flows', branch: 'main', token: 'ghp_node' });
	try {
		await companion.api(admin, 'PUT', `/api/v1/environments/${environmentId}/git`, {
			apiUrl: github.url,
			owner: 'acme',
			repo: 'flows',
			token: 'ghp_node',
		});
		store.reset([workflow(1)]);
		const snapshot = await takeSnapshot('to git');
		const [[pushed]] = await run([{ operation: 'pushToGit', snapshotId: snapshot.id }]);
		expect(pushed.json).toMatchObject({ commitSha: github.head(), files: 2, unchanged: false });
		expect([...github.files().keys()]).toContain('workflows/workflow-1--wf-1.json');
		expect(github.violations).toEqual([]);
	} finally {
		await github.close();
	}
});
