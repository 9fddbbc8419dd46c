import crypto from 'node:crypto';
import type { DeliveryStatus } from '../../service/db/schema';
import { verifyAuditExport } from '../../service/domain/audit/audit-export';
import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let prod: string;
beforeAll(async () => {
	setup = await companionWithFakeN8n(fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2)]));
	prod = setup.environmentId;
	await syncAndFollow(setup.companion, setup.admin, prod);
});
afterAll(() => setup.close());

const api = (method: string, path: string, body?: unknown, token = setup.admin) =>
	setup.companion.api(token, method, `/api/v1${path}`, body);
const db = () => setup.companion.db;
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const count = async (
	table:
		| 'executions'
		| 'execution_rollups'
		| 'failure_reports'
		| 'drift_checks'
		| 'health_samples'
		| 'webhook_deliveries'
		| 'jobs'
		| 'snapshots'
		| 'audit_log',
) =>
	Number(
		(
			await db()
				.selectFrom(table)
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow()
		).n,
	);

async function run() {
	const started = await api('POST', '/retention/run');
	expect(started.status).toBe(202);
	const events = await readEvents(`${setup.companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});
	const last = events.at(-1)!.data;
	expect(last.status).toBe('succeeded');
	return last.result;
}

test('the settings have defaults, refuse what is too short with the reason, and are audited when changed', async () => {
	const defaults = (await api('GET', '/settings/retention')).body;
	expect(defaults).toEqual({
		executions: 90,
		rollups: 730,
		failureReports: 7,
		driftChecks: 90,
		healthSamples: 90,
		webhookDeliveries: 30,
		jobs: 90,
		snapshots: 50,
	});
	const tooShort = await api('PUT', '/settings/retention', { ...defaults, executions: 3, snapshots: 1 });
	expect(tooShort.status).toBe(400);
	expect(tooShort.body.error.message).toBe(
		'Invalid request body: executions must be at least 7; snapshots must be at least 5',
	);
	const developer = await setup.companion.token('developer');
	expect((await api('PUT', '/settings/retention', defaults, developer)).status).toBe(403);
	const saved = await api('PUT', '/settings/retention', { ...defaults, snapshots: 5 });
	expect(saved.status).toBe(200);
	const audit = (await api('GET', '/audit?action=settings.retention_update')).body.data[0];
	expect(audit.metadata).toEqual({ changed: { snapshots: { from: 50, to: 5 } } });
});

test('enforcing removes what is older than kept, and keeps what is referenced, pending or running; never the audit log', async () => {
	const environment_id = prod;
	await db()
		.insertInto('executions')
		.values(
			[200, 10].map((age, i) => ({
				environment_id,
				n8n_id: String(i + 1),
				seq: i + 1,
				workflow_id: 'wf-1',
				workflow_name: 'one',
				status: 'success' as const,
				mode: 'webhook',
				started_at: daysAgo(age),
				stopped_at: daysAgo(age),
				duration_ms: 5,
				retry_of: null,
				retry_success_id: null,
				failed_node: null,
				error_message: null,
				error_group: null,
				indexed_at: daysAgo(age),
			})),
		)
		.execute();
	const rollup = (hour: string) => ({
		environment_id,
		workflow_id: 'wf-1',
		hour,
		total: 1,
		succeeded: 1,
		failed: 0,
		canceled: 0,
		duration_count: 1,
		duration_sum_ms: 5,
		duration_max_ms: 5,
		...Object.fromEntries(Array.from({ length: 16 }, (_, b) => [`b${b}`, 0])),
	});
	await db()
		.insertInto('execution_rollups')
		.values([rollup(daysAgo(800).slice(0, 13)), rollup(daysAgo(200).slice(0, 13))] as never)
		.execute();
	const report = (id: string, age: number, announced: boolean) => ({
		environment_id,
		execution_id: id,
		workflow_id: 'wf-1',
		workflow_name: null,
		failed_node: null,
		error_message: null,
		source: 'n8n' as const,
		received_at: daysAgo(age),
		announced_at: announced ? daysAgo(age) : null,
	});
	await db()
		.insertInto('failure_reports')
		.values([report('old', 9, true), report('waiting', 9, false), report('new', 1, true)])
		.execute();
	const check = (id: string, age: number) => ({
		id,
		environment_id,
		trigger: 'manual',
		status: 'IN_SYNC' as const,
		error: null,
		counts: '{}',
		items: '[]',
		started_by: null,
		started_at: daysAgo(age),
		finished_at: daysAgo(age),
	});
	await db()
		.insertInto('drift_checks')
		.values([check('old', 120), check('of-incident', 110), check('latest', 100)])
		.execute();
	await db()
		.insertInto('incidents')
		.values({
			id: crypto.randomUUID(),
			environment_id,
			status: 'RESOLVED',
			severity: 'low',
			items: '[]',
			last_check_id: 'of-incident',
			opened_at: daysAgo(110),
			updated_at: daysAgo(110),
			sla_due_at: daysAgo(100),
			sla_breached_at: null,
			acknowledged_by: null,
			acknowledged_at: null,
			acknowledge_note: null,
			resolution: 'note',
			resolved_by: null,
			resolved_at: daysAgo(100),
			resolve_note: null,
		})
		.execute();
	await db()
		.insertInto('health_samples')
		.values(
			[100, 1].map((age) => ({ environment_id, at: daysAgo(age), ok: 1, latency_ms: 3, version: null, error: null })),
		)
		.execute();
	const subscription = (await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['drift.detected'] }))
		.body;
	await db()
		.insertInto('webhook_deliveries')
		.values(
			(['succeeded', 'pending'] as const).map((status: DeliveryStatus) => ({
				id: crypto.randomUUID(),
				subscription_id: subscription.id,
				event_id: crypto.randomUUID(),
				event_type: 'drift.detected',
				payload: '{}',
				status,
				attempts: 1,
				response_status: null,
				error: null,
				next_attempt_at: null,
				created_at: daysAgo(40),
				delivered_at: null,
			})),
		)
		.execute();
	const job = (status: 'succeeded' | 'running') => ({
		id: crypto.randomUUID(),
		kind: 'test',
		environment_id,
		status,
		progress: '{}',
		result: null,
		error: null,
		created_by: null,
		created_at: daysAgo(100),
		finished_at: status === 'running' ? null : daysAgo(100),
		subject: null,
	});
	await db()
		.insertInto('jobs')
		.values([job('succeeded'), job('running')])
		.execute();
	// Eight snapshots, five kept; the oldest is a change's safety snapshot, the next one what it restored.
	const snapshots: string[] = [];
	for (let i = 0; i < 8; i++)
		snapshots.push((await api('POST', '/snapshots', { environmentId: prod, label: `s${i}` })).body.id);
	await db()
		.insertInto('changes')
		.values({
			id: crypto.randomUUID(),
			kind: 'restore',
			environment_id,
			subject: `snapshot:${snapshots[1]}`,
			description: 'a restore',
			safety_snapshot_id: snapshots[0],
			status: 'applied',
			error: null,
			started_at: daysAgo(1),
			finished_at: daysAgo(1),
		})
		.execute();
	const jobsBefore = await count('jobs');
	const auditBefore = await count('audit_log');

	const result = await run();
	expect(result.removed).toEqual({
		executions: 1,
		rollups: 1,
		failureReports: 1,
		driftChecks: 1,
		healthSamples: 1,
		webhookDeliveries: 1,
		jobs: 1,
		snapshots: 1,
	});
	expect(result.reclaimedBytes).toBeGreaterThanOrEqual(0);
	expect((await db().selectFrom('executions').select('n8n_id').execute()).map((row) => row.n8n_id)).toEqual(['2']);
	expect(
		(await db().selectFrom('failure_reports').select('execution_id').orderBy('execution_id').execute()).map(
			(row) => row.execution_id,
		),
	).toEqual(['new', 'waiting']);
	expect((await db().selectFrom('drift_checks').select('id').orderBy('id').execute()).map((row) => row.id)).toEqual([
		'latest',
		'of-incident',
	]);
	expect((await db().selectFrom('webhook_deliveries').select('status').execute()).map((row) => row.status)).toEqual([
		'pending',
	]);
	expect(await count('jobs')).toBe(jobsBefore); // one removed, the retention job itself added
	const kept = (await db().selectFrom('snapshots').select('id').execute()).map((row) => row.id);
	expect(kept.sort()).toEqual([snapshots[0], snapshots[1], ...snapshots.slice(3)].sort());

	// The audit log only grew: by the run's own entry, which says what went.
	expect(await count('audit_log')).toBe(auditBefore + 1);
	const entry = (await api('GET', '/audit?action=retention.enforce')).body.data[0];
	expect(entry.metadata.removed).toEqual(result.removed);
	expect((await api('GET', '/audit/verify')).body.valid).toBe(true);

	expect(await run()).toMatchObject({ removed: { executions: 0, snapshots: 0 } });
});

test('the audit log exports in ranges with a signed manifest, and a changed line no longer verifies', async () => {
	const exported = async (query = '') => {
		const response = await fetch(`${setup.companion.url}/api/v1/audit/export${query}`, {
			headers: { authorization: `Bearer ${setup.admin}` },
		});
		expect(response.status).toBe(200);
		expect(response.headers.get('content-disposition')).toMatch(
			/attachment; filename="?workflowops-audit-.*\.signed\.jsonl/,
		);
		return response.text();
	};
	const whole = await exported();
	const check = verifyAuditExport(whole);
	expect(check).toMatchObject({ valid: true, firstId: 1 });
	const key = (await api('GET', '/audit/signing-key')).body;
	expect(check.keyId).toBe(key.keyId);
	expect(key.publicKey).toContain('BEGIN PUBLIC KEY');

	const lines = whole.trimEnd().split('\n');
	const manifest = JSON.parse(lines.at(-1)!).manifest;
	expect(manifest).toMatchObject({ count: lines.length - 1, previousHash: '0'.repeat(64) });
	// A later range links to where the earlier one ended.
	const middle = JSON.parse(lines[2]);
	const later = await exported(`?from=${encodeURIComponent(middle.at)}`);
	const laterManifest = JSON.parse(later.trimEnd().split('\n').at(-1)!).manifest;
	expect(verifyAuditExport(later).valid).toBe(true);
	expect(laterManifest.firstId).toBeLessThanOrEqual(middle.id);
	const firstOfLater = JSON.parse(later.split('\n')[0]);
	expect(laterManifest.previousHash).toBe(firstOfLater.prev_hash);

	const tampered = lines.map((line, i) => (i === 1 ? line.replace('"action":"', '"action":"x') : line)).join('\n');
	expect(verifyAuditExport(tampered)).toMatchObject({ valid: false, reason: 'entry 2 does not match its hash' });
	const dropped = [lines[0], ...lines.slice(2)].join('\n');
	expect(verifyAuditExport(dropped)).toMatchObject({
		valid: false,
		reason: expect.stringMatching(/does not follow|not the ones/),
	});
	const resigned = lines.slice(0, -1).join('\n') + '\n' + lines.at(-1)!.replace(/"count":\d+/, '"count":1');
	expect(verifyAuditExport(resigned)).toMatchObject({
		valid: false,
		reason: 'the manifest’s signature does not match it',
	});

	const audit = (await api('GET', '/audit?action=audit.export')).body.data;
	expect(audit).toHaveLength(2);
	expect((await api('GET', '/audit/export?from=yesterday')).status).toBe(400);
	const developer = await setup.companion.token('developer');
	expect((await api('GET', '/audit/export', undefined, developer)).status).toBe(403);
});

test('the policies page refuses a retention below its least in words, and downloads a signed export of the audit page’s range', async () => {
	await createUser(db(), CLI_CONTEXT, { email: 'ops@example.com', password: 'correct horse battery', role: 'admin' });
	const ui = await signedInClient(setup.companion, 'ops@example.com');
	const settings = (await api('GET', '/settings/retention')).body;
	const refused = await ui.post('/policies/retention', { ...settings, executions: '3' });
	expect(refused.status).toBe(422);
	expect(await refused.text()).toContain(
		'Retention of indexed executions (their hourly rollups stay) must be a whole number, at least 7',
	);
	const from = new Date(Date.now() - 60_000).toISOString().slice(0, 16);
	const download = await ui.get(`/audit/export?format=signed&from=${from}`);
	expect(download.status).toBe(200);
	const check = verifyAuditExport(await download.text());
	expect(check.valid).toBe(true);
	expect(check.count).toBeGreaterThan(0);
});
