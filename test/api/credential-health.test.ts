import { startFakeN8n } from '../support/fake-n8n';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';
import { recordedEvents } from '../support/events';

/** A workflow whose HTTP Request node authenticates with the credential `id`. */
const using = (i: number, id: string, name: string) => {
	const workflow = httpWorkflow(i, 'https://erp.example.com', { name: `Uses ${name}` });
	workflow.nodes[0].credentials = { httpHeaderAuth: { id, name } };
	return workflow;
};
const store = fakeWorkflowStore([using(1, 'c-1', 'ERP token'), using(2, 'c-2', 'Slack token')]);
store.version = '2.40.7';
store.credentials = [
	{ id: 'c-1', name: 'ERP token', type: 'httpHeaderAuth' },
	{ id: 'c-2', name: 'Slack token', type: 'httpHeaderAuth' },
];
store.credentialTests = new Map([
	['c-2', { status: 'Error', message: 'Authorization failed - please check your credentials' }],
]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await setup.companion.api(setup.admin, 'POST', '/api/v1/webhooks', {
		url: 'http://127.0.0.1:9/hook',
		events: ['credential.failing'],
	});
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
});
afterAll(() => setup.close());

const api = (method: string, path: string, token = setup.admin) =>
	setup.companion.api(token, method, `/api/v1/environments/${setup.environmentId}${path}`);
async function testAll() {
	const started = await api('POST', '/credentials/test');
	expect(started.status).toBe(202);
	const events = await readEvents(`${setup.companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});
	return events.at(-1)!.data;
}
const failingEvents = () => recordedEvents(setup.companion.db, 'credential.failing');
const healthOf = async (id: string) =>
	(await api('GET', '/credentials')).body.credentials.find((credential: any) => credential.id === id).health;

test('credentials are tested in n8n; a failing one is kept with n8n’s reason and announced once, with its workflows', async () => {
	const first = await testAll();
	expect(first.status).toBe('succeeded');
	expect(first.result).toMatchObject({
		tested: 2,
		ok: 1,
		failing: [
			{ id: 'c-2', name: 'Slack token', message: 'Authorization failed - please check your credentials', newly: true },
		],
	});
	expect(await healthOf('c-1')).toMatchObject({ status: 'ok', failingSince: null });
	const failing = await healthOf('c-2');
	expect(failing).toMatchObject({ status: 'failing', message: 'Authorization failed - please check your credentials' });

	const [event] = await failingEvents();
	expect(event.data).toMatchObject({
		environment: { id: setup.environmentId, class: 'prod' },
		credential: { id: 'c-2', name: 'Slack token', type: 'httpHeaderAuth' },
		workflows: [{ id: 'wf-2', name: 'Uses Slack token' }],
	});

	const again = await testAll();
	expect(again.result.failing).toEqual([expect.objectContaining({ id: 'c-2', newly: false })]);
	expect(await failingEvents()).toHaveLength(1);
	expect((await healthOf('c-2')).failingSince).toBe(failing.failingSince);

	store.credentialTests!.delete('c-2');
	expect((await testAll()).result).toMatchObject({ tested: 2, ok: 2, failing: [] });
	expect(await healthOf('c-2')).toMatchObject({ status: 'ok', failingSince: null });
	store.credentialTests!.set('c-2', { status: 'Error', message: 'Token revoked' });
	await testAll();
	expect((await failingEvents()).map((event) => event.data.message)).toEqual([
		'Authorization failed - please check your credentials',
		'Token revoked',
	]);
});

test('the workflow page and the credentials page show a failing credential; the UI starts the tests', async () => {
	const owner = await signedInClient(setup.companion, 'owner@example.com');
	const workflowPage = await (await owner.get(`/environments/${setup.environmentId}/workflows/wf-2`)).text();
	expect(workflowPage).toContain('failing its test: Token revoked');
	expect(await (await owner.get(`/environments/${setup.environmentId}/workflows/wf-1`)).text()).not.toContain(
		'failing its test',
	);
	const page = await (await owner.get(`/environments/${setup.environmentId}/credentials`)).text();
	expect(page).toContain('✗ failing');
	expect(page).toContain('Test credentials');
	const started = await owner.post(`/environments/${setup.environmentId}/credentials/test`, {});
	expect(started.status).toBe(202);
	expect(await started.text()).toMatch(/\/jobs\/[0-9a-f-]+\/stream/);
});

test('n8n 1.x, an unsynced environment and a viewer are refused in words', async () => {
	const old = fakeWorkflowStore([]);
	const n8n = await startFakeN8n(old.handler);
	try {
		const environment = await setup.companion.environment(setup.admin, { name: 'old', baseUrl: n8n.url, apiKey: 'k' });
		const refused = await setup.companion.api(
			setup.admin,
			'POST',
			`/api/v1/environments/${environment.id}/credentials/test`,
		);
		expect(refused.status).toBe(422);
		expect(refused.body.error.message).toBe('"old" runs n8n 1.x, whose API cannot test credentials (n8n 2.x can)');
		old.version = '2.1.0';
		const unsynced = await setup.companion.api(
			setup.admin,
			'POST',
			`/api/v1/environments/${environment.id}/credentials/test`,
		);
		expect(unsynced.body.error.message).toBe('"old" has no credentials synced: sync it first');
	} finally {
		await n8n.close();
	}
	const viewer = await setup.companion.token('viewer');
	expect((await api('POST', '/credentials/test', viewer)).status).toBe(403);
	expect((await setup.companion.api(setup.admin, 'POST', '/api/v1/environments/nope/credentials/test')).status).toBe(
		404,
	);
});
