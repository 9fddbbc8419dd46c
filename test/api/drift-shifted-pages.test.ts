import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

/**
 * n8n pages its workflow list by offset: one deleted while a check reads it can hide another that is
 * still there. Such a workflow is asked for by id, not reported gone. (Proven on real n8n, for the
 * sync that reads the list the same way, by the e2e inventory suite.)
 */
const store = fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2), httpWorkflow(3)]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store);
});
afterAll(() => setup?.close());

test('a baseline workflow the list leaves out is read by id: in sync if it is there, MISSING only if it is gone', async () => {
	const { companion, admin, environmentId } = setup;
	const base = `/api/v1/environments/${environmentId}`;
	await companion.api(admin, 'POST', `${base}/baseline`, {});

	store.unlisted.add('wf-2');
	const hidden = (await companion.api(admin, 'POST', `${base}/drift-checks`)).body;
	expect(hidden.check).toMatchObject({ status: 'IN_SYNC', counts: { IN_SYNC: 3, MISSING: 0 } });

	store.workflows.delete('wf-2');
	const gone = (await companion.api(admin, 'POST', `${base}/drift-checks`)).body;
	expect(gone.check).toMatchObject({ status: 'DRIFT_DETECTED', counts: { IN_SYNC: 2, MISSING: 1 } });
	expect(gone.check.items).toEqual([expect.objectContaining({ workflowId: 'wf-2', status: 'MISSING' })]);
});
