import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';
import { allowEverything } from '../support/companion';

const workflows = () =>
	Array.from({ length: 5 }, (_, i) => ({ ...httpWorkflow(i + 1), active: i < 4, name: `Flow ${i + 1}` }));
const store = fakeWorkflowStore(workflows());
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await allowEverything(setup.companion, setup.admin);
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
});
afterAll(() => setup.close());
beforeEach(() => {
	store.fault = undefined;
	store.delayMs = 0;
});

async function switchAndFollow(body: object, token = setup.admin) {
	const { companion, environmentId } = setup;
	const started = await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/activation`, body);
	if (started.status !== 202) return { started, final: undefined };
	const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${token}`,
	});
	return { started, final: events.at(-1)!.data };
}

test('a bulk deactivation goes on past a failure and says which changed, which already were, which failed and why', async () => {
	store.fault = (_method, id, _body, verb) =>
		id === 'wf-3' && verb === 'deactivate' ? { status: 400, message: 'Workflow is locked by an admin' } : undefined;
	const { started, final } = await switchAndFollow({
		workflowIds: ['wf-1', 'wf-2', 'wf-3', 'wf-5', 'wf-9', 'wf-1'],
		active: false,
	});
	expect(started.status).toBe(202);
	expect(started.body).toMatchObject({ kind: 'workflows.activation', status: 'running' });
	expect(final.status).toBe('succeeded');
	const { result } = final;
	expect(result).toMatchObject({
		active: false,
		total: 5,
		changed: [
			{ workflowId: 'wf-1', name: 'Flow 1' },
			{ workflowId: 'wf-2', name: 'Flow 2' },
		],
		unchanged: [{ workflowId: 'wf-5', name: 'Flow 5' }],
	});
	expect(result.failed.map((failure: any) => [failure.workflowId, failure.name])).toEqual([
		['wf-3', 'Flow 3'],
		['wf-9', 'wf-9'],
	]);
	expect(result.failed[0].error).toContain('Workflow is locked by an admin');
	expect(result.failed[1].error).toMatch(/404/);
	expect(JSON.stringify(result)).not.toContain('X-N8N-API-KEY');

	expect([...store.workflows.values()].map((workflow) => workflow.active)).toEqual([false, false, true, true, false]);
	const inventory = await setup.companion.api(
		setup.admin,
		'GET',
		`/api/v1/environments/${setup.environmentId}/workflows`,
	);
	expect(inventory.body.data.map((workflow: any) => workflow.active)).toEqual([false, false, true, true, false]);
	const audit = await setup.companion.api(setup.admin, 'GET', '/api/v1/audit?action=workflow.deactivate');
	expect(audit.body.data.map((entry: any) => entry.resourceId).sort()).toEqual(['wf-1', 'wf-2']);
});

test('one bulk operation per environment at a time; bad requests and roles are refused', async () => {
	store.delayMs = 300;
	const first = setup.companion.api(setup.admin, 'POST', `/api/v1/environments/${setup.environmentId}/activation`, {
		workflowIds: ['wf-1', 'wf-2'],
		active: true,
	});
	await new Promise((resolve) => setTimeout(resolve, 100));
	const second = await setup.companion.api(
		setup.admin,
		'POST',
		`/api/v1/environments/${setup.environmentId}/activation`,
		{ workflowIds: ['wf-4'], active: false },
	);
	expect(second.status).toBe(409);
	expect(second.body.error.message).toMatch(/already running/);
	const running = await first;
	expect(running.status).toBe(202);
	await readEvents(`${setup.companion.url}/api/v1/jobs/${running.body.id}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});

	for (const body of [
		{ workflowIds: [], active: true },
		{ workflowIds: ['wf-1'] },
		{ workflowIds: ['wf-1'], active: 'yes' },
	]) {
		const refused = await setup.companion.api(
			setup.admin,
			'POST',
			`/api/v1/environments/${setup.environmentId}/activation`,
			body,
		);
		expect(refused.status).toBe(400);
	}
	const developer = await setup.companion.token('developer');
	const forbidden = await switchAndFollow({ workflowIds: ['wf-1'], active: true }, developer);
	expect(forbidden.started.status).toBe(403);
	const unknown = await setup.companion.api(setup.admin, 'POST', '/api/v1/environments/nope/activation', {
		workflowIds: ['wf-1'],
		active: true,
	});
	expect(unknown.status).toBe(404);
});

test('from the environment page: the selected workflows, with the progress and the failures in words', async () => {
	store.reset(workflows());
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
	const ui = await signedInClient(setup.companion, 'owner@example.com');
	const page = await (await ui.get(`/environments/${setup.environmentId}`)).text();
	expect(page).toContain('form="selection-form"');
	expect(page).toMatch(
		/<button type="button" name="active" value="false" hx-post="\/environments\/[^"]+\/activation"[^>]*>Deactivate<\/button>/,
	);

	const none = await ui.post(`/environments/${setup.environmentId}/activation`, { active: 'false' });
	expect(none.status).toBe(422);
	expect(await none.text()).toContain('Select at least one workflow first');
	const started = await ui.post(`/environments/${setup.environmentId}/activation`, {
		workflowIds: 'wf-5',
		active: 'true',
	});
	expect(started.status).toBe(202);
	const follow = await started.text();
	const jobId = /\/jobs\/([0-9a-f-]+)\/stream/.exec(follow)![1];
	const events = await readEvents(`${setup.companion.url}/api/v1/jobs/${jobId}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});
	expect(events.at(-1)!.data.result.changed).toEqual([{ workflowId: 'wf-5', name: 'Flow 5' }]);
	const progress = await (await ui.get(`/jobs/${jobId}/stream`)).text();
	expect(progress).toContain('1 activated, 0 already active, 0 failed.');

	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'viewer@example.com',
		password: 'correct horse battery',
		role: 'viewer',
	});
	const viewer = await signedInClient(setup.companion, 'viewer@example.com');
	const viewed = await (await viewer.get(`/environments/${setup.environmentId}`)).text();
	expect(viewed).toContain('form="selection-form"');
	expect(viewed).not.toContain('Deactivate');
});
