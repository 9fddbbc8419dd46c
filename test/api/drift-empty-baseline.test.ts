import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

/** A new, empty prod is exactly when teams start watching: an empty approved state is a real baseline. */
const store = fakeWorkflowStore([]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
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

test('in the UI: approving an empty instance shows it watched with no workflows, and a workflow that appears is drift', async () => {
	const { companion, admin } = setup;
	store.reset([]);
	const empty = await companion.environment(admin, { name: 'new prod', baseUrl: setup.n8nUrl, apiKey: 'k' });
	const owner = await signedInClient(companion, 'owner@example.com');
	const approved = await owner.post(`/environments/${empty.id}/baseline`, { note: 'a new, empty prod' });
	expect(approved.status).toBe(303);
	const watched = await (await owner.get(`/environments/${empty.id}/drift`)).text();
	expect(watched).not.toContain('Not watched yet');
	expect(watched).toContain('Check now</button>');

	store.reset([httpWorkflow(7)]);
	const checked = await owner.post(`/environments/${empty.id}/check-drift`, { then: 'drift-page' });
	expect(checked.status).toBe(200);
	const page = await checked.text();
	expect(page).toContain('Workflow 7');
	expect(page).toContain('ADDED');
	const incidents = await companion.api(admin, 'GET', `/api/v1/incidents?environmentId=${empty.id}`);
	expect(incidents.body.data).toEqual([expect.objectContaining({ status: 'OPEN' })]);
});
