import type { Companion } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

const workflow = (i: number, url?: string) => httpWorkflow(i, url, { updatedAt: '2026-11-01T00:00:00.000Z' });

const store = fakeWorkflowStore();
let companion: Companion;
let developer: string;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
	developer = await companion.token('developer');
});
afterAll(() => close());

const storedBytes = async () => {
	const rows = await companion.db.selectFrom('workflow_blobs').select('raw').execute();
	return rows.reduce((sum, row) => sum + row.raw.length, 0);
};

test('take, list and read a snapshot of every live workflow', async () => {
	store.reset(Array.from({ length: 20 }, (_, i) => workflow(i)));
	const created = await companion.api(developer, 'POST', '/api/v1/snapshots', {
		environmentId,
		label: 'before release',
		reason: 'weekly',
	});
	expect(created.status).toBe(201);
	expect(created.body).toMatchObject({
		environmentId,
		label: 'before release',
		reason: 'weekly',
		workflowCount: 20,
		selective: false,
		createdBy: expect.stringMatching(/^test developer/),
	});
	const read = await companion.api(developer, 'GET', `/api/v1/snapshots/${created.body.id}`);
	expect(read.body.workflows).toHaveLength(20);
	expect(read.body.workflows[0]).toMatchObject({
		workflowId: 'wf-0',
		name: 'Workflow 0',
		contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
	});
	const list = await companion.api(developer, 'GET', `/api/v1/snapshots?environmentId=${environmentId}`);
	expect(list.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);
	const audit = await companion.api(admin, 'GET', `/api/v1/audit?action=snapshot.create&limit=1`);
	expect(audit.body.data[0]).toMatchObject({
		resourceId: created.body.id,
		metadata: { label: 'before release', workflows: 20, selective: false },
	});
});

test('snapshots of unchanged workflows add no stored content; changed ones add only themselves', async () => {
	store.reset(Array.from({ length: 20 }, (_, i) => workflow(i)));
	await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId });
	const before = await storedBytes();
	for (let i = 0; i < 5; i++) await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId });
	expect(await storedBytes()).toBe(before);
	const changed = { ...workflow(3, 'https://changed.example.com'), updatedAt: '2026-11-02T00:00:00.000Z' };
	store.workflows.set('wf-3', changed);
	await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId });
	expect(await storedBytes()).toBe(before + JSON.stringify(changed).length);
});

test('compare with live: unchanged, modified with its diff and risk, added, deleted', async () => {
	store.reset(Array.from({ length: 5 }, (_, i) => workflow(i)));
	const snapshot = (await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId })).body;
	store.reset([workflow(0), { ...workflow(1, 'https://evil.example.com') }, workflow(2), workflow(3), workflow(9)]);
	const { body } = await companion.api(developer, 'GET', `/api/v1/snapshots/${snapshot.id}/compare`);
	expect(body.against).toBe('live');
	const byId = Object.fromEntries(body.workflows.map((w: any) => [w.workflowId, w]));
	expect(byId['wf-0']).toMatchObject({ status: 'UNCHANGED', risk: null });
	expect(byId['wf-1']).toMatchObject({ status: 'MODIFIED', risk: 'HIGH', reasons: ['HIGH http: Call'] });
	expect(byId['wf-1'].diff.changes[0]).toMatchObject({
		path: 'parameters.url',
		before: 'https://erp.example.com/1',
		after: 'https://evil.example.com/1',
	});
	expect(byId['wf-4']).toMatchObject({ status: 'DELETED', risk: 'HIGH' });
	expect(byId['wf-9']).toMatchObject({ status: 'ADDED', risk: 'HIGH' });
});

test('compare with another snapshot, and a selective snapshot speaks only for its workflows', async () => {
	store.reset(Array.from({ length: 4 }, (_, i) => workflow(i)));
	const first = (
		await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId, workflowIds: ['wf-1', 'wf-2'] })
	).body;
	expect(first).toMatchObject({ workflowCount: 2, selective: true });
	store.workflows.set('wf-2', workflow(2, 'https://other.example.com'));
	const second = (await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId })).body;
	const { body } = await companion.api(developer, 'GET', `/api/v1/snapshots/${first.id}/compare?with=${second.id}`);
	expect(body.against).toBe(second.id);
	expect(body.workflows.map((w: any) => [w.workflowId, w.status])).toEqual([
		['wf-1', 'UNCHANGED'],
		['wf-2', 'MODIFIED'],
	]);
});

test('errors: unknown environment, workflow or snapshot; bad input; roles', async () => {
	expect((await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId: 'nope' })).status).toBe(404);
	const missing = await companion.api(developer, 'POST', '/api/v1/snapshots', {
		environmentId,
		workflowIds: ['wf-404'],
	});
	expect(missing.status).toBe(422);
	expect(missing.body.error.message).toBe('The workflow wf-404 does not exist in n8n');
	expect((await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId, workflowIds: [] })).status).toBe(
		400,
	);
	expect((await companion.api(developer, 'GET', '/api/v1/snapshots/nope')).status).toBe(404);
	expect((await companion.api(developer, 'GET', '/api/v1/snapshots/nope/compare')).status).toBe(404);
	const viewer = await companion.token('viewer');
	expect((await companion.api(viewer, 'POST', '/api/v1/snapshots', { environmentId })).status).toBe(403);
});

test('delete is for admins, audited, and leaves content other snapshots share', async () => {
	store.reset([workflow(0)]);
	const kept = (await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId })).body;
	const doomed = (await companion.api(developer, 'POST', '/api/v1/snapshots', { environmentId, label: 'doomed' })).body;
	expect((await companion.api(developer, 'DELETE', `/api/v1/snapshots/${doomed.id}`)).status).toBe(403);
	expect((await companion.api(admin, 'DELETE', `/api/v1/snapshots/${doomed.id}`)).status).toBe(204);
	expect((await companion.api(admin, 'GET', `/api/v1/snapshots/${doomed.id}`)).status).toBe(404);
	expect((await companion.api(admin, 'GET', `/api/v1/snapshots/${kept.id}/compare`)).body.workflows[0].status).toBe(
		'UNCHANGED',
	);
	const audit = await companion.api(admin, 'GET', `/api/v1/audit?action=snapshot.delete&limit=1`);
	expect(audit.body.data[0]).toMatchObject({ resourceId: doomed.id, metadata: { label: 'doomed' } });
});
