import { allowEverything } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient } from '../support/ui-client';
import { syncAndFollow } from '../support/jobs';
import { httpWorkflow } from '../support/workflows';

// The fake answers as n8n 1.x does: no archive.
const store = fakeWorkflowStore([
	{ ...httpWorkflow(1), name: 'Invoice sync', active: true },
	{ ...httpWorkflow(2), name: 'Lead capture' },
]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await allowEverything(setup.companion, setup.admin);
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
});
afterAll(() => setup.close());

const remove = (workflowId: string, body: unknown) =>
	setup.companion.api(
		setup.admin,
		'DELETE',
		`/api/v1/environments/${setup.environmentId}/workflows/${workflowId}`,
		body,
	);

test('a deletion needs the workflow’s name typed; then a snapshot of it is taken, it is unpublished and deleted', async () => {
	const wrong = await remove('wf-1', { confirmName: 'invoice sync' });
	expect([wrong.status, wrong.body.error.message]).toEqual([
		400,
		'confirmName: type the workflow’s name, "Invoice sync", to delete it',
	]);
	expect((await remove('wf-1', {})).status).toBe(400);
	expect(store.workflows.has('wf-1')).toBe(true);

	const { db } = setup.companion;
	const { canonical_id: canonicalId } = await db
		.selectFrom('workflow_inventory')
		.select('canonical_id')
		.where('n8n_id', '=', 'wf-1')
		.executeTakeFirstOrThrow();
	const deleted = await remove('wf-1', { confirmName: 'Invoice sync' });
	expect(deleted.status).toBe(200);
	expect(deleted.body).toEqual({ workflowId: 'wf-1', name: 'Invoice sync', snapshotId: expect.any(String) });
	expect(store.workflows.has('wf-1')).toBe(false);

	const snapshot = await setup.companion.api(setup.admin, 'GET', `/api/v1/snapshots/${deleted.body.snapshotId}`);
	expect(snapshot.body).toMatchObject({
		label: 'Before deleting Invoice sync',
		selective: true,
		workflows: [
			{ workflowId: 'wf-1', name: 'Invoice sync', active: true, canonicalId, contentHash: expect.any(String) },
		],
	});
	expect(await db.selectFrom('workflow_inventory').select('n8n_id').where('n8n_id', '=', 'wf-1').execute()).toEqual([]);
	expect(
		(
			await db
				.selectFrom('canonical_workflows')
				.select('status')
				.where('id', '=', canonicalId)
				.executeTakeFirstOrThrow()
		).status,
	).toBe('MISSING');
	const audit = await setup.companion.api(setup.admin, 'GET', '/api/v1/audit?action=workflow.delete');
	expect(audit.body.data[0]).toMatchObject({
		resourceId: 'wf-1',
		metadata: { name: 'Invoice sync', wasActive: true, snapshotId: deleted.body.snapshotId },
	});
	expect((await remove('wf-1', { confirmName: 'Invoice sync' })).status).toBe(404);
});

test('on n8n 1.x archiving is refused in words; unknown workflows and environments are 404s', async () => {
	const archive = await setup.companion.api(
		setup.admin,
		'POST',
		`/api/v1/environments/${setup.environmentId}/workflows/wf-2/archive`,
	);
	expect([archive.status, archive.body.error.message]).toEqual([
		422,
		'"prod" runs n8n 1.x, which cannot archive workflows: delete it instead (a snapshot of it is taken first)',
	]);
	const developer = await setup.companion.token('developer');
	const forbidden = await setup.companion.api(
		developer,
		'DELETE',
		`/api/v1/environments/${setup.environmentId}/workflows/wf-2`,
		{ confirmName: 'Lead capture' },
	);
	expect(forbidden.status).toBe(403);
	expect((await remove('nope', { confirmName: 'x' })).body.error.message).toBe('"prod" has no workflow nope in n8n');
	const elsewhere = await setup.companion.api(setup.admin, 'DELETE', '/api/v1/environments/nope/workflows/wf-2', {
		confirmName: 'Lead capture',
	});
	expect(elsewhere.status).toBe(404);
	expect(store.workflows.has('wf-2')).toBe(true);
});

test('from the workflow’s page: a wrong name is said where it was typed, the right one deletes and goes back', async () => {
	const ui = await signedInClient(setup.companion, 'owner@example.com');
	const page = `/environments/${setup.environmentId}/workflows/wf-2`;
	expect(await (await ui.get(page)).text()).toContain('Type its name to delete it for good');
	const wrong = await ui.post(`${page}/delete`, { confirmName: 'Lead' });
	expect(wrong.status).toBe(400);
	expect(await wrong.text()).toContain('confirmName: type the workflow’s name, &quot;Lead capture&quot;, to delete it');
	const archived = await ui.post(`${page}/archive`, {});
	expect(archived.status).toBe(422);
	const deleted = await ui.post(`${page}/delete`, { confirmName: 'Lead capture' });
	expect([deleted.status, deleted.headers.get('location')]).toEqual([303, `/environments/${setup.environmentId}`]);
	expect(store.workflows.has('wf-2')).toBe(false);
});
