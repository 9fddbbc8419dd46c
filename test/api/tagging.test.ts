import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const store = fakeWorkflowStore([
	{ ...httpWorkflow(1), name: 'Invoice sync' },
	{ ...httpWorkflow(2), name: 'Lead capture' },
	{ ...httpWorkflow(3), name: 'Report' },
]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
});
afterAll(() => setup.close());

const api = (method: string, path: string, body?: unknown) =>
	setup.companion.api(setup.admin, method, `/api/v1/environments/${setup.environmentId}${path}`, body);
const follow = async (jobId: string) =>
	(
		await readEvents(`${setup.companion.url}/api/v1/jobs/${jobId}/events`, { authorization: `Bearer ${setup.admin}` })
	).at(-1)!.data;
const tagsOf = (id: string) => (store.workflows.get(id)!.tags ?? []).map((tag) => tag.name).sort();

test('tags added to and removed from selected workflows, each on its own, with the tags n8n lacks created', async () => {
	const added = await api('POST', '/tagging', { workflowIds: ['wf-1', 'wf-2'], add: ['billing', 'prod'] });
	expect(added.status).toBe(202);
	expect((await follow(added.body.id)).result).toMatchObject({
		add: ['billing', 'prod'],
		changed: [{ workflowId: 'wf-1' }, { workflowId: 'wf-2' }],
		unchanged: [],
		failed: [],
	});
	expect([tagsOf('wf-1'), tagsOf('wf-2'), tagsOf('wf-3')]).toEqual([['billing', 'prod'], ['billing', 'prod'], []]);

	const removed = await api('POST', '/tagging', { workflowIds: ['wf-1', 'wf-3', 'gone'], remove: ['prod'] });
	const { result } = await follow(removed.body.id);
	expect(result.changed.map((item: any) => item.workflowId)).toEqual(['wf-1']);
	expect(result.unchanged.map((item: any) => item.workflowId)).toEqual(['wf-3']);
	expect(result.failed.map((item: any) => item.workflowId)).toEqual(['gone']);
	expect(tagsOf('wf-1')).toEqual(['billing']);
	const inventory = await api('GET', '/workflows?tag=billing');
	expect(inventory.body.data.map((workflow: any) => workflow.id)).toEqual(['wf-1', 'wf-2']);
	const audit = await setup.companion.api(setup.admin, 'GET', '/api/v1/audit?action=workflow.tag');
	expect(audit.body.data).toHaveLength(3);

	for (const body of [
		{ workflowIds: ['wf-1'] },
		{ workflowIds: ['wf-1'], add: ['x'], remove: ['x'] },
		{ workflowIds: [], add: ['x'] },
	])
		expect((await api('POST', '/tagging', body)).status).toBe(400);
});

test('tags created and renamed in n8n; a name taken is refused', async () => {
	const created = await api('POST', '/tags', { name: 'finance' });
	expect(created.status).toBe(201);
	expect((await api('POST', '/tags', { name: 'finance' })).status).toBe(409);
	const renamed = await api('PATCH', `/tags/${created.body.id}`, { name: 'accounting' });
	expect(renamed.body).toEqual({ id: created.body.id, name: 'accounting' });
	const taken = await api('PATCH', `/tags/${created.body.id}`, { name: 'billing' });
	expect([taken.status, taken.body.error.message]).toEqual([409, '"prod" already has a tag named "billing"']);
	const listed = await api('GET', '/tags');
	expect(listed.body.data.map((tag: any) => tag.name).sort()).toEqual(['accounting', 'billing', 'prod']);
	expect((await api('POST', '/tags', { name: ' ' })).status).toBe(400);
});

test('from the environment page: tags typed for the ticked workflows', async () => {
	const ui = await signedInClient(setup.companion, 'owner@example.com');
	const none = await ui.post(`/environments/${setup.environmentId}/tagging`, { workflowIds: 'wf-3', tagAction: 'add' });
	expect(none.status).toBe(422);
	expect(await none.text()).toContain('Type the tags first');
	const started = await ui.post(`/environments/${setup.environmentId}/tagging`, {
		workflowIds: 'wf-3',
		tags: 'ops, nightly ,',
		tagAction: 'add',
	});
	expect(started.status).toBe(200);
	const jobId = /\/jobs\/([0-9a-f-]+)\/stream/.exec(await started.text())![1];
	await follow(jobId);
	expect(tagsOf('wf-3')).toEqual(['nightly', 'ops']);
	expect(await (await ui.get(`/jobs/${jobId}/stream`)).text()).toContain('1 retagged, 0 already so, 0 failed.');
});
