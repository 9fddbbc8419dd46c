import { allowEverything } from '../support/companion';
import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient, type UiClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const store = fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2)]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let owner: UiClient;
let viewer: UiClient;
let snapshotId: string;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await allowEverything(setup.companion, setup.admin);
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'viewer@example.com',
		password: 'correct horse battery',
		role: 'viewer',
	});
	owner = await signedInClient(setup.companion, 'owner@example.com');
	viewer = await signedInClient(setup.companion, 'viewer@example.com');
	const created = await setup.companion.api(setup.admin, 'POST', '/api/v1/snapshots', {
		environmentId: setup.environmentId,
		label: 'base',
	});
	snapshotId = created.body.id;
});
afterEach(() => {
	store.fault = undefined;
});
afterAll(() => setup?.close());

test('a snapshot n8n cannot answer for shows why and keeps what was typed (502, API and page alike)', async () => {
	store.fault = () => ({ status: 500, message: 'database is locked' });
	const page = await owner.post(`/environments/${setup.environmentId}/snapshots`, {
		label: 'nightly',
		reason: 'before the deploy',
	});
	expect(page.status).toBe(502);
	const html = await page.text();
	expect(html).toMatch(
		/<p class="alert error" role="alert">n8n &quot;prod&quot; answered with an error[^<]*database is locked/,
	);
	expect(html).toContain('value="nightly"');
	expect(html).toContain('before the deploy</textarea>');

	const api = await setup.companion.api(setup.admin, 'POST', '/api/v1/snapshots', {
		environmentId: setup.environmentId,
	});
	expect(api.status).toBe(502);
	expect(api.body.error).toEqual({
		code: 'n8n_error',
		message: 'n8n "prod" answered with an error — HTTP 500: database is locked',
		details: { endpoint: 'GET /api/v1/workflows' },
	});
});

test('a restore that failed stays on the snapshot page: which workflow, n8n’s reason, nothing left changed', async () => {
	store.reset([httpWorkflow(1, 'https://evil.example.com'), httpWorkflow(2)]);
	store.fault = (method) =>
		method === 'PUT' ? { status: 400, message: "request/body/nodes/0 Unrecognized key(s) in object: 'x'" } : undefined;
	const started = await setup.companion.api(setup.admin, 'POST', `/api/v1/snapshots/${snapshotId}/restore`, {
		mode: 'apply',
	});
	await setup.companion.api(setup.admin, 'GET', `/api/v1/jobs/${started.body.id}?wait=10`);
	const html = await (await viewer.get(`/snapshots/${snapshotId}`)).text();
	expect(html).toMatch(
		/<strong>The last restore failed<\/strong> \([\d-]+ [\d:]+ UTC\):\s+Restoring &quot;Workflow 1&quot; \(wf-1\) failed: n8n &quot;prod&quot; answered with an error — HTTP 400: request\/body\/nodes\/0 Unrecognized key\(s\) in object: &#39;x&#39;\. Nothing was left changed: every change the restore had made was undone\./,
	);
	store.reset([httpWorkflow(1), httpWorkflow(2)]);
});

test('a label too long is refused on the form (422) with the field named', async () => {
	const page = await owner.post(`/environments/${setup.environmentId}/snapshots`, { label: 'x'.repeat(201) });
	expect(page.status).toBe(422);
	expect(await page.text()).toMatch(/<p class="field-error" id="label-error">Label [^<]*200/);
});

test('a restore with no workflow ticked is refused (422); a viewer may preview but not restore (403)', async () => {
	const none = await owner.post(`/snapshots/${snapshotId}/restore`, { reason: 'x' }, { 'HX-Request': 'true' });
	expect(none.status).toBe(422);
	expect(await none.text()).toContain('Tick at least one workflow to restore.');

	expect((await viewer.get(`/snapshots/${snapshotId}/restore`)).status).toBe(200);
	const refused = await viewer.post(`/snapshots/${snapshotId}/restore`, { workflowIds: 'wf-1' });
	expect(refused.status).toBe(403);
	expect(store.workflows.get('wf-1')!.nodes[0].parameters).toEqual({ url: 'https://erp.example.com/1' });
});

test('push without a mirror says to set one up; a compare with an unknown snapshot is a 404', async () => {
	const push = await owner.post(`/snapshots/${snapshotId}/push`, {}, { 'HX-Request': 'true' });
	expect(push.status).toBe(422);
	expect(await push.text()).toContain('This environment has no Git mirror; set one up first');
	expect((await owner.get(`/snapshots/${snapshotId}/compare?with=nope`)).status).toBe(404);
	expect((await owner.get('/snapshots/nope')).status).toBe(404);
});

test('a compare while n8n is down shows the reason on the page (502)', async () => {
	store.fault = () => ({ status: 503, message: 'maintenance' });
	const page = await owner.get(`/snapshots/${snapshotId}/compare`);
	expect(page.status).toBe(502);
	expect(await page.text()).toContain('maintenance');
});
