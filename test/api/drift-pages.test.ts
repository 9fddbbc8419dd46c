import { allowEverything } from '../support/companion';
import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient, type UiClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const store = fakeWorkflowStore([httpWorkflow(1)]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let owner: UiClient;
let developer: UiClient;
let incidentId: string;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { withAdmin: true });
	await allowEverything(setup.companion, setup.admin);
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'dev@example.com',
		password: 'correct horse battery',
		role: 'developer',
	});
	owner = await signedInClient(setup.companion, 'owner@example.com');
	developer = await signedInClient(setup.companion, 'dev@example.com');
	await setup.companion.api(setup.admin, 'POST', `/api/v1/environments/${setup.environmentId}/baseline`, {});
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net' };
	const { body } = await setup.companion.api(
		setup.admin,
		'POST',
		`/api/v1/environments/${setup.environmentId}/drift-checks`,
	);
	incidentId = body.incident.incident.id;
});
afterEach(() => {
	store.fault = undefined;
});
afterAll(() => setup?.close());

test('Check now with n8n failing shows ERROR and the reason in the row', async () => {
	store.fault = () => ({ status: 500, message: 'database is locked' });
	const row = await developer.post(`/environments/${setup.environmentId}/check-drift`, {}, { 'HX-Request': 'true' });
	expect(row.status).toBe(200);
	const html = await row.text();
	expect(html).toMatch(/^<tr id="drift-/);
	expect(html).toContain('>ERROR</span>');
	expect(html).toContain('database is locked');
});

test('a revert that failed stays on the incident page: which workflow, n8n’s reason, nothing left changed', async () => {
	store.fault = (method) =>
		method === 'PUT' ? { status: 400, message: 'request/body/nodes must be array' } : undefined;
	const started = await setup.companion.api(setup.admin, 'POST', `/api/v1/incidents/${incidentId}/resolve`, {
		resolution: 'revert',
	});
	const job = await setup.companion.api(setup.admin, 'GET', `/api/v1/jobs/${started.body.job.id}?wait=10`);
	expect(job.body.status).toBe('failed');
	const html = await (await developer.get(`/incidents/${incidentId}`)).text();
	expect(html).toMatch(
		/<strong>The last revert failed<\/strong> \([\d-]+ [\d:]+ UTC\):\s+Restoring &quot;Workflow 1&quot; \(wf-1\) failed: n8n &quot;prod&quot; answered with an error — HTTP 400: request\/body\/nodes must be array\. Nothing was left changed: every change the restore had made was undone\./,
	);
	expect(store.workflows.get('wf-1')!.nodes[0].parameters).toEqual({ url: 'https://evil.example.net' });
});

test('a developer acknowledges and may close with a note, but keep and revert need an admin', async () => {
	const keep = await developer.post(`/incidents/${incidentId}/resolve`, { resolution: 'keep' });
	expect(keep.status).toBe(403);
	expect(await keep.text()).toContain('it needs the baselines.approve permission');
	const revert = await developer.post(
		`/incidents/${incidentId}/resolve`,
		{ resolution: 'revert' },
		{ 'HX-Request': 'true' },
	);
	expect(revert.status).toBe(403);
	expect(await revert.text()).toContain('it needs the snapshots.restore permission');

	expect((await developer.post(`/incidents/${incidentId}/acknowledge`, { note: 'mine' })).status).toBe(303);
	const again = await developer.post(`/incidents/${incidentId}/acknowledge`, {});
	expect(again.status).toBe(409);
	expect(await again.text()).toContain('The incident is acknowledged, not open');

	const noNote = await developer.post(`/incidents/${incidentId}/resolve`, { resolution: 'note' });
	expect(noNote.status).toBe(422);
	expect(await noNote.text()).toContain('Note must explain why the incident is closed');
	expect(
		(await developer.post(`/incidents/${incidentId}/resolve`, { resolution: 'note', note: 'test traffic' })).status,
	).toBe(303);
	expect(await (await owner.get(`/incidents/${incidentId}`)).text()).toContain('Resolved (note) by dev@example.com');
});

test('bad filters, a bad schedule and an unknown incident are answered with what is wrong', async () => {
	expect((await owner.get('/incidents?severity=urgent')).status).toBe(422);
	const schedule = await owner.post(`/environments/${setup.environmentId}/schedule`, {
		cron: '* * *',
		enabled: 'true',
	});
	expect(schedule.status).toBe(422);
	const html = await schedule.text();
	expect(html).toMatch(/Cron is not a cron expression: [^<]*5 or 6 fields/);
	expect(html).toContain('value="* * *"');
	expect((await developer.post(`/environments/${setup.environmentId}/schedule`, { cron: '0 * * * *' })).status).toBe(
		403,
	);
	expect((await owner.get('/incidents/nope')).status).toBe(404);
	expect((await developer.get('/webhooks')).status).toBe(200);
});

test('the environment form sets its own incident SLA hours, and says which one is wrong', async () => {
	const fields = { name: 'sla', baseUrl: setup.n8nUrl, class: 'staging', apiKey: 'k' };
	const bad = await owner.post('/environments', { ...fields, slaHigh: '0' });
	expect(bad.status).toBe(422);
	expect(await bad.text()).toContain('High must be at least 1 hour');
	expect((await owner.post('/environments', { ...fields, slaCritical: '4' })).status).toBe(303);
	const { body } = await setup.companion.api(setup.admin, 'GET', '/api/v1/environments');
	const created = body.data.find((environment: any) => environment.name === 'sla');
	expect(created.incidentSlaHours).toEqual({ critical: 4, high: 48, medium: 72, low: 168 });
	const edit = await (await owner.get(`/environments/${created.id}/edit`)).text();
	expect(edit).toContain('name="slaCritical" min="1" max="8760" value="4"');
});

test('Check now on the drift page runs a check and shows the page; without a baseline it says what to do', async () => {
	const checked = await owner.post(`/environments/${setup.environmentId}/check-drift`, { then: 'drift-page' });
	expect(checked.status).toBe(200);
	expect(await checked.text()).toContain('<h1>Drift of prod');
	const fresh = await setup.companion.environment(setup.admin, {
		name: 'fresh',
		baseUrl: 'http://127.0.0.1:9',
		apiKey: 'k',
	});
	const page = await owner.get(`/environments/${fresh.id}/drift`);
	const html = await page.text();
	expect(html).toContain('Not watched yet: approve the current state to start watching it for drift.');
	expect(html).not.toContain('Check now</button>');
	const refused = await owner.post(`/environments/${fresh.id}/check-drift`, { then: 'drift-page' });
	expect(refused.status).toBe(409);
	expect(await refused.text()).toContain(
		'&quot;fresh&quot; has no baseline yet: approve its current state to start watching it for drift',
	);
});

test('the incidents list links each environment’s drift page and marks an incident past its SLA as overdue', async () => {
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net/again' };
	const { body } = await setup.companion.api(
		setup.admin,
		'POST',
		`/api/v1/environments/${setup.environmentId}/drift-checks`,
	);
	await setup.companion.db
		.updateTable('incidents')
		.set({ sla_due_at: '2000-01-01T00:00:00.000Z' })
		.where('id', '=', body.incident.incident.id)
		.execute();
	const html = await (await developer.get('/incidents')).text();
	expect(html).toContain(`<a href="/environments/${setup.environmentId}/drift">prod</a>`);
	expect(html).toMatch(/<tr class="overdue">[\s\S]*2000-01-01 00:00 — overdue/);
});
