import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCompanionProcess } from '../support/companion-process';
import { startFakeN8n } from '../support/fake-n8n';
import { fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { onPostgres, testDatabase } from '../support/test-database';
import { httpWorkflow } from '../support/workflows';

// Several companion processes on one database: PostgreSQL only.
const onPostgresOnly = onPostgres() ? describe : describe.skip;
jest.setTimeout(180_000);

const ENVIRONMENTS = 20;
const REPLICAS = 3;
const TICK_MS = 5000;

onPostgresOnly('three companion processes on one PostgreSQL database', () => {
	test('20 environments on a 5-second drift schedule for a minute: every tick of each is checked exactly once', async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-replicas-'));
		const database = await testDatabase('', 'postgres');
		const n8n = await startFakeN8n(fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2)]).handler);
		const replicas: Array<Awaited<ReturnType<typeof startCompanionProcess>>> = [];
		try {
			// One process sets the estate up; the schedules reach the others as they start.
			const first = await startCompanionProcess(dataDir, database.url);
			replicas.push(first);
			const token = first.token('admin');
			const api = async (method: string, url: string, body?: unknown) => {
				const answer = await first.api(token, method, url, body);
				expect([method, url, answer.status < 300]).toEqual([method, url, true]);
				return answer.body;
			};
			for (let i = 0; i < ENVIRONMENTS; i++) {
				const { id } = await api('POST', '/environments', {
					name: `env-${i}`,
					baseUrl: n8n.url,
					apiKey: 'k',
					class: 'dev',
				});
				await api('POST', `/environments/${id}/baseline`, {});
				await api('PUT', `/environments/${id}/schedule`, { cron: '*/5 * * * * *', enabled: true });
			}
			for (let i = 1; i < REPLICAS; i++) replicas.push(await startCompanionProcess(dataDir, database.url));
			const from = Date.now();
			await new Promise((resolve) => setTimeout(resolve, 60_000));
			const to = Date.now();
			await Promise.all(replicas.map((replica) => replica.kill()));

			const checks = await database.db
				.selectFrom('drift_checks')
				.select(['environment_id', 'started_at', 'trigger'])
				.where('trigger', '=', 'schedule')
				.execute();
			const ticksOf = new Map<string, number[]>();
			for (const check of checks) {
				const tick = Math.floor(Date.parse(check.started_at) / TICK_MS);
				ticksOf.set(check.environment_id, [...(ticksOf.get(check.environment_id) ?? []), tick]);
			}
			expect(ticksOf.size).toBe(ENVIRONMENTS);
			const window = Math.floor(from / TICK_MS) + 1;
			const last = Math.floor(to / TICK_MS) - 1;
			for (const [environmentId, ticks] of ticksOf) {
				// No tick checked twice (by two processes, or twice by one),
				expect([environmentId, ticks.length]).toEqual([environmentId, new Set(ticks).size]);
				// and none of the minute's left unchecked.
				const inWindow = ticks.filter((tick) => tick >= window && tick <= last);
				expect([environmentId, inWindow.length]).toEqual([environmentId, last - window + 1]);
			}
		} finally {
			await Promise.all(replicas.map((replica) => replica.kill()));
			await n8n.close();
			await database.drop();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	});

	test('1,000 audit appends at once, spread over three processes, make one valid chain: none lost, none twice', async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-replicas-'));
		const database = await testDatabase('', 'postgres');
		const replicas: Array<Awaited<ReturnType<typeof startCompanionProcess>>> = [];
		try {
			for (let i = 0; i < REPLICAS; i++) replicas.push(await startCompanionProcess(dataDir, database.url));
			const token = replicas[0].token('admin');
			const statuses = await Promise.all(
				Array.from(
					{ length: 1000 },
					async (_, i) =>
						(await replicas[i % REPLICAS].api(token, 'POST', '/audit', { action: 'load', metadata: { i } })).status,
				),
			);
			expect([...new Set(statuses)]).toEqual([201]);
			const appended = await database.db
				.selectFrom('audit_log')
				.select('metadata')
				.where('action', '=', 'custom.load')
				.execute();
			expect(new Set(appended.map((row) => (JSON.parse(row.metadata) as { i: number }).i)).size).toBe(1000);
			expect(appended).toHaveLength(1000);
			const total = await database.db.selectFrom('audit_log').select('id').execute();
			for (const replica of replicas)
				expect((await replica.api(token, 'GET', '/audit/verify')).body).toEqual({
					valid: true,
					checked: total.length,
				});
		} finally {
			await Promise.all(replicas.map((replica) => replica.kill()));
			await database.drop();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	});

	test('a sync on a replica killed mid-way is taken over by another; a job started on one replica is followed live on any', async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-replicas-'));
		const database = await testDatabase('', 'postgres');
		const store = fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2)]);
		const n8n = await startFakeN8n(store.handler);
		const replicas: Array<Awaited<ReturnType<typeof startCompanionProcess>>> = [];
		try {
			for (let i = 0; i < REPLICAS; i++) replicas.push(await startCompanionProcess(dataDir, database.url));
			const [a, b, c] = replicas;
			const token = a.token('admin');
			// Requests spread over the replicas: what one records, the others serve.
			const environment = (
				await b.api(token, 'POST', '/environments', { name: 'dev', baseUrl: n8n.url, apiKey: 'k', class: 'dev' })
			).body;
			expect((await c.api(token, 'GET', `/environments/${environment.id}`)).body).toMatchObject({ name: 'dev' });

			store.delayMs = 1000;
			const followed = (await a.api(token, 'POST', `/environments/${environment.id}/sync`)).body;
			const seen = await jobEvents(`${c.url}/api/v1/jobs/${followed.id}/events`, token);
			expect(seen.at(0)).toMatchObject({ id: followed.id, status: 'running' });
			expect(seen.at(-1)).toMatchObject({ id: followed.id, status: 'succeeded', result: { workflows: 2 } });

			const interrupted = (await b.api(token, 'POST', `/environments/${environment.id}/sync`)).body;
			await new Promise((resolve) => setTimeout(resolve, 300));
			await b.kill();
			store.delayMs = 0;
			const killedAt = Date.now();
			let job = interrupted;
			while (job.status === 'running' && Date.now() - killedAt < 20_000) {
				await new Promise((resolve) => setTimeout(resolve, 200));
				job = (await a.api(token, 'GET', `/jobs/${interrupted.id}`)).body;
			}
			expect(job).toMatchObject({ status: 'failed', error: 'interrupted: the companion stopped while it ran' });
			// Taken over within one look (every 5 s) of the replica's death.
			expect(Date.now() - killedAt).toBeLessThan(7_000);
			const syncs = await database.db
				.selectFrom('jobs')
				.select(['id', 'status', 'replica_id'])
				.where('kind', '=', 'inventory.sync')
				.orderBy('created_at')
				.execute();
			expect(syncs.map((sync) => sync.id).slice(0, 2)).toEqual([followed.id, interrupted.id]);
			expect(syncs).toHaveLength(3);
			// The sync started again by the replica that took over, not by the one killed.
			const again = syncs[2];
			for (let waited = 0; again.status === 'running' && waited < 10_000; waited += 200) {
				await new Promise((resolve) => setTimeout(resolve, 200));
				again.status = (await c.api(token, 'GET', `/jobs/${again.id}`)).body.status;
			}
			expect(again.status).toBe('succeeded');
			const alive = await database.db.selectFrom('replicas').select('id').execute();
			expect(alive).toHaveLength(2);
			expect(alive.map((replica) => replica.id)).toContain(again.replica_id);
		} finally {
			await Promise.all(replicas.map((replica) => replica.kill()));
			await n8n.close();
			await database.drop();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

/** The job states a server-sent event stream gives, until it ends. */
async function jobEvents(url: string, token: string): Promise<any[]> {
	const response = await fetch(url, {
		headers: { authorization: `Bearer ${token}` },
		signal: AbortSignal.timeout(20_000),
	});
	expect(response.headers.get('content-type')).toContain('text/event-stream');
	const text = await response.text();
	return text
		.split('\n')
		.filter((line) => line.startsWith('data: '))
		.map((line) => JSON.parse(line.slice('data: '.length)));
}
