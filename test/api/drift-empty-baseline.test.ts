import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

/** A new, empty prod is exactly when teams start watching: an empty approved state is a real baseline. */
const store = fakeWorkflowStore([]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store);
});
afterAll(() => setup?.close());

test('approving an instance with no workflows starts watching it: what appears later is drift and opens an incident', async () => {
	const { companion, admin, environmentId } = setup;
	const base = `/api/v1/environments/${environmentId}`;
	const approved = await companion.api(admin, 'POST', `${base}/baseline`, {});
	expect(approved.body).toMatchObject({ workflows: [] });
	const status = (await companion.api(admin, 'GET', `${base}/drift`)).body;
	expect(status).toMatchObject({ status: 'UNKNOWN', baselineWorkflows: 0, baselineApprovedAt: expect.any(String) });

	expect((await companion.api(admin, 'POST', `${base}/drift-checks`)).body).toMatchObject({
		check: { status: 'IN_SYNC' },
		incident: null,
	});
	store.reset([httpWorkflow(1, undefined, { active: true })]);
	const found = (await companion.api(admin, 'POST', `${base}/drift-checks`)).body;
	expect(found.check).toMatchObject({ status: 'DRIFT_DETECTED', counts: { ADDED: 1 } });
	expect(found.incident).toMatchObject({ kind: 'opened', incident: { severity: 'critical', status: 'OPEN' } });
	expect((await companion.api(admin, 'GET', `${base}/drift`)).body.status).toBe('DRIFT_DETECTED');
});
