import { contentHash } from '../../service/domain/workflows/normalize';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { allowEverything, type Companion } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { callerOf, httpWorkflow } from '../support/workflows';

const workflow = (i: number, url?: string, active = false) => httpWorkflow(i, url, { active });

const store = fakeWorkflowStore();
let companion: Companion;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
	await allowEverything(companion, admin);
});
beforeEach(() => {
	store.fault = undefined;
	store.delayMs = 0;
});
afterAll(() => close());

async function snapshotOf(workflows: N8nWorkflow[], body: object = {}) {
	store.reset(workflows);
	return (await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId, ...body })).body;
}

/** Starts a restore and follows its job to the end. */
async function restore(snapshotId: string, body: object = {}) {
	const started = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshotId}/restore`, {
		mode: 'apply',
		...body,
	});
	expect(started.status).toBe(202);
	const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${admin}`,
	});
	return events.at(-1)!.data;
}

const liveHashes = () =>
	Object.fromEntries([...store.workflows.values()].map((w) => [w.name, [contentHash(w), w.active]]));
const hashesOf = (workflows: N8nWorkflow[]) =>
	Object.fromEntries(workflows.map((w) => [w.name, [contentHash(w), w.active]]));

test('preview: what will be created, updated and deleted, each with the diff from live', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2), workflow(3, undefined, true), workflow(4)]);
	store.reset([workflow(1), workflow(2, 'https://evil.example.com'), workflow(3), workflow(9)]);

	const { status, body } = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, {
		mode: 'preview',
	});
	expect(status).toBe(200);
	const byId = Object.fromEntries(body.workflows.map((w: any) => [w.workflowId, w]));
	expect(byId['wf-1']).toMatchObject({ action: 'none', status: 'UNCHANGED' });
	expect(byId['wf-2']).toMatchObject({ action: 'update', status: 'MODIFIED', risk: 'HIGH' });
	expect(byId['wf-2'].diff.changes[0]).toMatchObject({
		path: 'parameters.url',
		before: 'https://evil.example.com/2',
		after: 'https://erp.example.com/2',
	});
	expect(byId['wf-3']).toMatchObject({ action: 'update', activeBefore: false, activeAfter: true });
	expect(byId['wf-4']).toMatchObject({ action: 'create', status: 'ADDED' });
	expect(byId['wf-9']).toMatchObject({ action: 'delete', status: 'DELETED' });

	const selected = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, {
		mode: 'preview',
		workflowIds: ['wf-2', 'wf-4'],
	});
	expect(selected.body.workflows.map((w: any) => w.action)).toEqual(['update', 'create']);
});

test('a synced workflow that a shift of n8n’s pages hides from its list is found by id, not made again', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2)]);
	await syncAndFollow(companion, admin, environmentId);
	store.unlisted.add('wf-2');
	try {
		const { body } = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, {
			mode: 'preview',
		});
		expect(body.workflows.map((w: any) => [w.workflowId, w.action])).toEqual([
			['wf-1', 'none'],
			['wf-2', 'none'],
		]);
	} finally {
		store.unlisted.clear();
	}
});

test('apply restores every workflow to its snapshot hash, after a snapshot of live; a re-created workflow keeps its place', async () => {
	const wanted = [
		workflow(1),
		workflow(2),
		workflow(3, undefined, true),
		{ ...workflow(4), tags: [{ id: 't-1', name: 'billing' }] },
	];
	const snapshot = await snapshotOf(wanted, { label: 'good' });
	store.reset([workflow(1), workflow(2, 'https://evil.example.com'), workflow(3), workflow(9)]);

	const final = await restore(snapshot.id, { reason: 'evil edit' });
	expect(final).toMatchObject({
		status: 'succeeded',
		result: { updated: ['wf-2', 'wf-3'], deleted: ['wf-9'], unchanged: 1 },
	});
	const [created] = final.result.created;
	expect(created).toMatchObject({ workflowId: 'wf-4', newId: expect.stringMatching(/^new-/) });
	expect(liveHashes()).toEqual(hashesOf(wanted));
	// n8n keeps tags apart from the workflow: the re-created one gets its tags back.
	expect(store.workflows.get(created.newId)!.tags).toEqual([{ id: expect.any(String), name: 'billing' }]);

	const safety = await companion.api(admin, 'GET', `/api/v1/snapshots/${final.result.safetySnapshotId}`);
	expect(safety.body).toMatchObject({
		label: 'Before restoring snapshot "good"',
		reason: 'evil edit',
		workflowCount: 4,
	});
	// The snapshot now finds the re-created workflow under its new id: nothing differs.
	const compare = await companion.api(admin, 'GET', `/api/v1/snapshots/${snapshot.id}/compare`);
	expect(compare.body.workflows.map((w: any) => [w.workflowId, w.status])).toEqual([
		['wf-1', 'UNCHANGED'],
		['wf-2', 'UNCHANGED'],
		['wf-3', 'UNCHANGED'],
		[created.newId, 'UNCHANGED'],
	]);
	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=snapshot.restore&limit=1');
	expect(audit.body.data[0].metadata).toMatchObject({
		source: 'snapshot "good"',
		outcome: 'succeeded',
		reason: 'evil edit',
		deleted: ['wf-9'],
	});
});

test('a workflow deleted in n8n and synced as MISSING comes back under its canonical identity, which the next sync keeps', async () => {
	// Ids of their own: n8n never gives an id twice, and the inventory remembers these.
	store.reset([workflow(31), workflow(32)]);
	await syncAndFollow(companion, admin, environmentId);
	const inventory = async () =>
		(await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/workflows`)).body.data as Array<{
			id: string;
			canonicalId: string;
		}>;
	const identity = (await inventory()).find((row) => row.id === 'wf-32')!.canonicalId;
	const snapshot = (await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId })).body;
	const held = await companion.api(admin, 'GET', `/api/v1/snapshots/${snapshot.id}`);
	expect(held.body.workflows[1]).toMatchObject({ workflowId: 'wf-32', canonicalId: identity });
	store.workflows.delete('wf-32');
	await syncAndFollow(companion, admin, environmentId);
	const status = () =>
		companion.db
			.selectFrom('canonical_workflows')
			.select('status')
			.where('id', '=', identity)
			.executeTakeFirstOrThrow();
	expect(await status()).toEqual({ status: 'MISSING' });

	const [created] = (await restore(snapshot.id)).result.created;
	expect(await status()).toEqual({ status: 'UNMAPPED' });
	expect(await inventory()).toEqual(
		expect.arrayContaining([expect.objectContaining({ id: created.newId, canonicalId: identity })]),
	);
	await syncAndFollow(companion, admin, environmentId);
	expect((await inventory()).find((row) => row.id === created.newId)?.canonicalId).toBe(identity);
	// A second restore from the same snapshot finds it under its new id: nothing is created twice.
	const again = await restore(snapshot.id);
	expect(again.result).toMatchObject({ created: [], updated: [], deleted: [] });
	expect(store.workflows.size).toBe(2);
});

test('a selection restores only those workflows; a selective snapshot deletes nothing', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2)], { workflowIds: ['wf-1'] });
	store.reset([workflow(1, 'https://x.example.com'), workflow(2, 'https://x.example.com'), workflow(5)]);
	const final = await restore(snapshot.id);
	expect(final.result).toMatchObject({ updated: ['wf-1'], created: [], deleted: [] });
	expect(contentHash(store.workflows.get('wf-2')!)).toBe(contentHash(workflow(2, 'https://x.example.com')));
	expect(store.workflows.has('wf-5')).toBe(true);
});

test('a failed write stops the restore, undoes what it changed and names the workflow', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2), workflow(3)]);
	const changed = [workflow(1, 'https://a.example.com'), workflow(2, 'https://b.example.com'), workflow(7)];
	store.reset(changed);
	store.fault = (method, id) =>
		method === 'PUT' && id === 'wf-2' ? { status: 400, message: 'request/body/nodes must be array' } : undefined;

	const final = await restore(snapshot.id);
	expect(final.status).toBe('failed');
	expect(final.error).toBe(
		'Restoring "Workflow 2" (wf-2) failed: n8n "prod" answered with an error — HTTP 400: request/body/nodes must be array. Nothing was left changed: every change the restore had made was undone.',
	);
	expect(liveHashes()).toEqual(hashesOf(changed));
	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=snapshot.restore&limit=1');
	expect(audit.body.data[0].metadata).toMatchObject({ outcome: 'failed', failedWorkflowId: 'wf-2', undoFailures: [] });
});

test('deletes come last: a write refused before them leaves every workflow under its own id', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2)]);
	const changed = [workflow(1, 'https://a.example.com'), workflow(2, 'https://b.example.com'), workflow(9)];
	store.reset(changed);
	store.fault = (method, id) => (method === 'PUT' && id === 'wf-2' ? { status: 400, message: 'refused' } : undefined);

	const final = await restore(snapshot.id);
	expect(final.status).toBe('failed');
	expect([...store.workflows.keys()].sort()).toEqual(['wf-1', 'wf-2', 'wf-9']);
	expect(liveHashes()).toEqual(hashesOf(changed));
});

/** `wf-<i>`, running `calls` (see callerOf). */
const caller = (i: number, calls: string): N8nWorkflow => ({ ...workflow(i), ...callerOf(`Workflow ${i}`, calls) });

test('a re-created workflow’s new id is written into the workflows that name it, and the result says so', async () => {
	const snapshot = await snapshotOf([workflow(41), caller(42, 'wf-41'), workflow(43)]);
	store.reset([caller(42, 'wf-41'), workflow(43)]);

	const preview = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'preview' });
	const actions = Object.fromEntries(
		preview.body.workflows.map((w: any) => [w.workflowId, [w.action, w.remapsReferences]]),
	);
	expect(actions).toEqual({ 'wf-41': ['create', undefined], 'wf-42': ['update', true], 'wf-43': ['none', undefined] });

	const final = await restore(snapshot.id);
	expect(final).toMatchObject({ status: 'succeeded', error: null });
	const [{ newId }] = final.result.created;
	expect(newId).not.toBe('wf-41');
	expect(final.result).toMatchObject({ updated: ['wf-42'], remapped: ['wf-42'], deleted: [] });
	const written = store.workflows.get('wf-42')!;
	expect(written.nodes[0].parameters.workflowId).toEqual({ __rl: true, mode: 'id', value: newId });
	expect(written.settings).toEqual({ errorWorkflow: newId });
	// Compared through the identity map, live now matches the snapshot.
	const compare = await companion.api(admin, 'GET', `/api/v1/snapshots/${snapshot.id}/compare`);
	expect(compare.body.workflows.filter((w: any) => w.status !== 'UNCHANGED')).toEqual([]);
});

test('when the remapping write is refused, the re-created workflow is removed and the caller keeps its ids', async () => {
	const snapshot = await snapshotOf([workflow(51), caller(52, 'wf-51')]);
	const changed = [caller(52, 'wf-51')];
	store.reset(changed);
	store.fault = (method, id) => (method === 'PUT' && id === 'wf-52' ? { status: 400, message: 'refused' } : undefined);

	const final = await restore(snapshot.id);
	expect(final.status).toBe('failed');
	expect(final.error).toMatch(/^Restoring "Workflow 52" \(wf-52\) failed: .*Nothing was left changed/);
	expect([...store.workflows.keys()]).toEqual(['wf-52']);
	expect(liveHashes()).toEqual(hashesOf(changed));
});

test('a workflow that reads back different fails the restore; a failed undo is reported with the safety snapshot', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2)]);
	store.reset([workflow(2)]);
	// n8n keeps what it is sent; this stand-in loses a parameter on create, and then refuses deletes.
	store.fault = (method, _id, body) => {
		if (method === 'POST' && body?.nodes) body.nodes[0].parameters = {};
		return method === 'DELETE' ? { status: 400, message: 'locked' } : undefined;
	};
	const final = await restore(snapshot.id);
	expect(final.status).toBe('failed');
	expect(final.error).toMatch(
		/^Restoring "Workflow 1" \(wf-1\) failed: it read back different from what was written: node "Call": parameters\.url is absent, not "https:\/\/erp\.example\.com\/1"\. Could not undo: "Workflow 1" \(new-\d+\): n8n "prod" answered with an error — HTTP 400: locked\. Live n8n before the restore is in snapshot [0-9a-f-]{36}\.$/,
	);
});

test('errors: unknown snapshot or workflow, bad input, roles, one restore at a time', async () => {
	const snapshot = await snapshotOf([workflow(1)]);
	const preview = (body: object) =>
		companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'preview', ...body });
	const unknown = await preview({ workflowIds: ['wf-404'] });
	expect(unknown.status).toBe(422);
	expect(unknown.body.error.message).toBe('Neither the snapshot ' + snapshot.id + ' nor live n8n has: wf-404');
	expect((await preview({ workflowIds: 'wf-1' })).status).toBe(400);
	expect((await companion.api(admin, 'POST', '/api/v1/snapshots/nope/restore', { mode: 'preview' })).status).toBe(404);
	const noMode = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, {});
	expect(noMode.status).toBe(400);
	expect(noMode.body.error.details).toEqual([{ field: 'mode', message: expect.stringContaining('preview') }]);
	const developer = await companion.token('developer');
	const refused = await companion.api(developer, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
	expect(refused.status).toBe(403);
	expect(refused.body.error.message).toBe(
		'Your role (developer) may not do this: it needs the snapshots.restore permission',
	);
	expect(
		(await companion.api(developer, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'preview' })).status,
	).toBe(200);

	store.delayMs = 200;
	const first = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
	const second = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
	expect(second.status).toBe(409);
	expect(second.body.error).toMatchObject({
		message: `Another change to this n8n is running (a restore from snapshot ${snapshot.id}): one change at a time per instance`,
		details: { subject: `snapshot:${snapshot.id}` },
	});
	await readEvents(`${companion.url}/api/v1/jobs/${first.body.id}/events`, { authorization: `Bearer ${admin}` });
});
