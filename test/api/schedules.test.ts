import { setTimeout as sleep } from 'node:timers/promises';
import type { Companion } from '../support/companion';
import { startCompanion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';
import { fakeExecutions } from '../support/fake-n8n-executions';
import { fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

const EVERY_SECOND = '* * * * * *';
const store = fakeWorkflowStore([httpWorkflow(1)]);
store.executions = fakeExecutions([
	{ id: 1, workflowId: 'wf-1', status: 'success', mode: 'trigger', startedAt: '2026-11-30T09:00:00Z', stoppedAt: null },
]);
let companion: Companion;
let n8n: Awaited<ReturnType<typeof startFakeN8n>>;
let admin: string;

beforeAll(async () => {
	n8n = await startFakeN8n((req, url, raw) =>
		url.pathname === '/rest/settings'
			? { status: 200, body: { data: { versionCli: '2.40.7' } } }
			: store.handler(req, url, raw),
	);
	// Its environments share one (fake) n8n: the calls in flight to it are enough for every environment's
	// health check each second and a drift check besides.
	companion = await startCompanion({
		scheduler: { healthCron: EVERY_SECOND, slaCron: EVERY_SECOND },
		n8nConcurrency: 8,
	});
	admin = await companion.token('admin');
});
afterEach(() => {
	store.fault = undefined;
	store.delayMs = 0;
});
afterAll(async () => {
	await companion?.close();
	await n8n?.close();
});

const environment = (name: string, cls: string) =>
	companion.environment(admin, { name, baseUrl: n8n.url, apiKey: 'k', class: cls });
const schedule = (id: string, body?: object) =>
	companion.api(admin, body ? 'PUT' : 'GET', `/api/v1/environments/${id}/schedule`, body);
const scheduledChecks = (id: string) =>
	companion.db
		.selectFrom('drift_checks')
		.selectAll()
		.where('environment_id', '=', id)
		.where('trigger', '=', 'schedule')
		.orderBy('started_at')
		.execute();

test('defaults: every 30 minutes in staging and prod, off in dev; the next run is shown', async () => {
	const prod = await environment('prod', 'prod');
	const dev = await environment('dev', 'dev');
	const prodSchedule = (await schedule(prod.id)).body;
	expect(prodSchedule).toMatchObject({ cron: '*/30 * * * *', enabled: true, isDefault: true, lastRunAt: null });
	const next = Date.parse(prodSchedule.nextRunAt);
	expect(next).toBeGreaterThan(Date.now());
	expect(next - Date.now()).toBeLessThanOrEqual(30 * 60_000);
	expect((await schedule(dev.id)).body).toMatchObject({ enabled: false, isDefault: true, nextRunAt: null });
});

test('a bad cron is refused with the reason; only an admin sets a schedule', async () => {
	const env = await environment('staging', 'staging');
	const bad = await schedule(env.id, { cron: '61 * * *', enabled: true });
	expect(bad.status).toBe(400);
	expect(bad.body.error.details).toEqual([
		{ field: 'cron', message: expect.stringMatching(/^is not a cron expression: .*5 or 6 fields/) },
	]);
	const developer = await companion.token('developer');
	const refused = await companion.api(developer, 'PUT', `/api/v1/environments/${env.id}/schedule`, {
		cron: '0 * * * *',
		enabled: true,
	});
	expect(refused.status).toBe(403);
});

test('a schedule changed at run time takes effect at once, never overlaps a check still running, and stops when turned off', async () => {
	const env = await environment('fast', 'prod');
	await companion.api(admin, 'POST', `/api/v1/environments/${env.id}/baseline`, {});
	store.delayMs = 1500;
	const set = await schedule(env.id, { cron: EVERY_SECOND, enabled: true });
	expect(set.body).toMatchObject({ cron: EVERY_SECOND, enabled: true, isDefault: false });
	expect(Date.parse(set.body.nextRunAt) - Date.now()).toBeLessThanOrEqual(1000);
	await sleep(5500);
	const off = await schedule(env.id, { cron: EVERY_SECOND, enabled: false });
	expect(off.body.nextRunAt).toBeNull();
	// A check still running when the schedule was turned off was cancelled and recorded nothing.
	expect(companion.scheduler!.stats.running).toBe(0);

	const checks = await scheduledChecks(env.id);
	expect(checks.length).toBeGreaterThanOrEqual(2);
	expect(checks.length).toBeLessThanOrEqual(4);
	for (let i = 1; i < checks.length; i++) expect(checks[i].started_at >= checks[i - 1].finished_at).toBe(true);
	expect(companion.scheduler!.stats.skipped).toBeGreaterThan(0);
	expect(checks.every((check) => check.status === 'IN_SYNC')).toBe(true);
	await sleep(1200);
	expect(await scheduledChecks(env.id)).toHaveLength(checks.length);
	const { lastRunAt, lastError } = (await schedule(env.id)).body;
	expect(Date.parse(lastRunAt)).toBeGreaterThanOrEqual(Date.parse(checks.at(-1)!.finished_at));
	expect(lastError).toBeNull();
});

test('a failing n8n is recorded on the environment and the schedule keeps its next run', async () => {
	const env = await environment('flaky', 'prod');
	await companion.api(admin, 'POST', `/api/v1/environments/${env.id}/baseline`, {});
	store.fault = () => ({ status: 500, message: 'database is locked' });
	await schedule(env.id, { cron: EVERY_SECOND, enabled: true });
	await sleep(1500);
	const failing = (await schedule(env.id)).body;
	expect(failing.lastError).toMatch(/database is locked/);
	expect(failing.nextRunAt).not.toBeNull();
	expect((await companion.api(admin, 'GET', `/api/v1/environments/${env.id}/drift`)).body.status).toBe('ERROR');
	store.fault = undefined;
	await sleep(1500);
	expect((await schedule(env.id)).body.lastError).toBeNull();
	await schedule(env.id, { cron: EVERY_SECOND, enabled: false });
});

test('health checks record reachability without filling the audit log; a passed SLA is marked once and audited', async () => {
	const env = await environment('watched', 'prod');
	await sleep(1500);
	const row = await companion.db
		.selectFrom('environments')
		.selectAll()
		.where('id', '=', env.id)
		.executeTakeFirstOrThrow();
	expect(JSON.parse(row.last_test_result!)).toMatchObject({ ok: true, version: '2.40.7' });
	const tests = await companion.db
		.selectFrom('audit_log')
		.select('id')
		.where('action', '=', 'environment.test')
		.execute();
	expect(tests).toHaveLength(0);

	await companion.api(admin, 'POST', `/api/v1/environments/${env.id}/baseline`, {});
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net' };
	const { body } = await companion.api(admin, 'POST', `/api/v1/environments/${env.id}/drift-checks`);
	const incidentId = body.incident.incident.id;
	await companion.db
		.updateTable('incidents')
		.set({ sla_due_at: new Date(Date.now() - 60_000).toISOString() })
		.where('id', '=', incidentId)
		.execute();
	await sleep(2500);
	const incident = (await companion.api(admin, 'GET', `/api/v1/incidents/${incidentId}`)).body;
	expect(incident.slaBreachedAt).not.toBeNull();
	const breaches = await companion.db
		.selectFrom('audit_log')
		.select('resource_id')
		.where('action', '=', 'incident.sla_breached')
		.execute();
	expect(breaches).toEqual([{ resource_id: incidentId }]);
});

test('each environment’s executions are indexed on the execution schedule, new ones as they come', async () => {
	// A companion of its own: indexing each second would slow the drift checks timed above.
	const indexing = await startCompanion({ scheduler: { executionCron: EVERY_SECOND } });
	const token = await indexing.token('admin');
	const qa = await indexing.environment(token, { name: 'qa', baseUrl: n8n.url, apiKey: 'k', class: 'staging' });
	const indexed = () =>
		indexing.db.selectFrom('executions').select('n8n_id').where('environment_id', '=', qa.id).execute();
	for (let waited = 0; (await indexed()).length < 1 && waited < 5000; waited += 200) await sleep(200);
	expect(await indexed()).toEqual([{ n8n_id: '1' }]);
	store.executions!.add({
		id: 2,
		workflowId: 'wf-1',
		status: 'error',
		mode: 'trigger',
		startedAt: '2026-11-30T09:01:00Z',
		stoppedAt: null,
	});
	for (let waited = 0; (await indexed()).length < 2 && waited < 5000; waited += 200) await sleep(200);
	expect((await indexed()).map((row) => row.n8n_id).sort()).toEqual(['1', '2']);
	const state = await indexing.db
		.selectFrom('execution_indexing')
		.selectAll()
		.where('environment_id', '=', qa.id)
		.executeTakeFirst();
	expect(state).toMatchObject({ error: null });
	await indexing.close();
});
