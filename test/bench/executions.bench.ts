/**
 * Executions (issue 13):
 * - analytics over 1,000,000 indexed executions (synthetic: 5 environments × 50 workflows over 30 days,
 *   a tenth failing with one of 20 errors), GET /api/v1/analytics with several ranges and filters:
 *   p95 (target < 100 ms). The rollups are written by the indexing's own code. Then the dashboard page
 *   over the same, as a signed-in user: p95 (target < 300 ms).
 * - indexing 10,000 executions from a real n8n (run through webhooks, 1 in 100 failing) vs paging
 *   them through GET /api/v1/executions with a minimal client (fetch and JSON.parse per page): the
 *   first indexing of a fresh companion (target ≤ 1.3 ×). N8N_VERSIONS picks the version, 2.x by default.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chunks } from '../../service/db/batches';
import { openDatabase } from '../../service/db/database';
import type { ExecutionsTable } from '../../service/db/schema';
import { errorGroup, hourOf, rewriteRollups } from '../../service/domain/executions/rollups';
import { N8nClient } from '../../service/n8n/client';
import { startN8n } from '../e2e/harness/instance';
import { selectedTargets } from '../e2e/harness/versions';
import { startCompanion } from '../support/companion';
import { closedPort } from '../support/fake-n8n';
import { readEvents } from '../support/sse';
import { webhookWorkflow } from '../support/workflows';
import {
	createTokenWithCli,
	createUserWithCli,
	newDataDir,
	signInCookie,
	startCompanionProcess,
} from './companion-process';

const EXECUTIONS = 1_000_000;
const ENVIRONMENTS = 5;
const WORKFLOWS = 50;
const DAYS = 30;
const ANALYTICS_SAMPLES = 200;
const INDEXED = 10_000;
const ROUNDS = 3;

const percentile = (values: number[], p: number) =>
	[...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const median = (values: number[]) => percentile(values, 0.5);

const ERRORS = Array.from(
	{ length: 20 },
	(_, i) => `Step ${i} failed: the service answered HTTP 5${i % 10}3 for order`,
);

/** 1,000,000 executions written as the index writes them, and their rollups by the indexing's own code. */
async function seed(databaseFile: string, environmentIds: string[]): Promise<void> {
	const db = openDatabase(databaseFile);
	const started = performance.now();
	const now = Date.now();
	let random = 42;
	const next = () => (random = (random * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
	for (const environmentId of environmentIds) {
		const rows: ExecutionsTable[] = [];
		for (let seq = 1; seq <= EXECUTIONS / ENVIRONMENTS; seq++) {
			const at = new Date(now - DAYS * 86_400_000 + (seq / (EXECUTIONS / ENVIRONMENTS)) * DAYS * 86_400_000);
			const roll = next();
			const status = roll < 0.1 ? 'error' : roll < 0.12 ? 'canceled' : 'success';
			const duration = Math.round(20 * Math.exp(next() * 8));
			const message =
				status === 'error' ? `${ERRORS[Math.floor(next() * ERRORS.length)]} ${Math.floor(next() * 1e6)}` : null;
			rows.push({
				environment_id: environmentId,
				n8n_id: String(seq),
				seq,
				workflow_id: `w${Math.floor(next() * WORKFLOWS)}`,
				workflow_name: null,
				status,
				mode: 'trigger',
				started_at: at.toISOString(),
				stopped_at: new Date(at.getTime() + duration).toISOString(),
				duration_ms: duration,
				retry_of: null,
				retry_success_id: null,
				failed_node: message && 'Call',
				error_message: message,
				error_group: message && errorGroup(message),
				indexed_at: at.toISOString(),
			});
		}
		await db.transaction().execute(async (trx) => {
			for (const batch of chunks(rows, 1000)) await trx.insertInto('executions').values(batch).execute();
			const pairs = rows.map((row) => ({ workflowId: row.workflow_id, hour: hourOf(row.started_at) }));
			pairs.sort((a, b) => a.hour.localeCompare(b.hour));
			await rewriteRollups(trx, environmentId, pairs);
		});
	}
	console.log(
		`seeded ${EXECUTIONS} executions and their rollups in ${((performance.now() - started) / 1000).toFixed(1)} s`,
	);
	await db.destroy();
}

async function timed(url: string, headers: Record<string, string>): Promise<number> {
	const started = performance.now();
	const response = await fetch(url, { headers });
	const body = await response.text();
	if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
	return performance.now() - started;
}

async function analyticsBench(): Promise<void> {
	const dataDir = newDataDir();
	const admin = createTokenWithCli(dataDir, 'admin');
	const companion = await startCompanionProcess(dataDir, await closedPort());
	const auth = { authorization: `Bearer ${admin}` };
	try {
		const closed = await closedPort();
		const environmentIds: string[] = [];
		for (let i = 0; i < ENVIRONMENTS; i++) {
			const response = await fetch(`${companion.url}/api/v1/environments`, {
				method: 'POST',
				headers: { ...auth, 'content-type': 'application/json' },
				body: JSON.stringify({ name: `env${i}`, baseUrl: `http://127.0.0.1:${closed}`, apiKey: 'key', class: 'prod' }),
			});
			environmentIds.push(((await response.json()) as { id: string }).id);
		}
		await seed(path.join(dataDir, 'workflowops.sqlite'), environmentIds);
		const day = 86_400_000;
		const since = (days: number) => new Date(Date.now() - days * day).toISOString();
		const queries = [
			'',
			`from=${since(30)}`,
			`from=${since(1)}&bucket=hour`,
			`environment=${environmentIds[2]}&from=${since(30)}`,
			`environment=${environmentIds[4]}&workflow=w7`,
		];
		const byQuery = new Map<string, number[]>();
		const all: number[] = [];
		for (let i = 0; i < ANALYTICS_SAMPLES; i++) {
			const query = queries[i % queries.length];
			const ms = await timed(`${companion.url}/api/v1/analytics?${query}`, auth);
			byQuery.set(query, [...(byQuery.get(query) ?? []), ms]);
			all.push(ms);
		}
		const names = ['last 7 days', 'last 30 days', 'last day by hour', 'one environment, 30 days', 'one workflow'];
		for (const [i, query] of queries.entries()) {
			const times = byQuery.get(query)!;
			console.log(`  ${names[i]}: p50 ${median(times).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms`);
		}
		console.log(
			`analytics over ${EXECUTIONS} executions, GET /api/v1/analytics: p50 ${median(all).toFixed(1)} ms, p95 ${percentile(all, 0.95).toFixed(1)} ms over ${ANALYTICS_SAMPLES} requests (target p95 < 100 ms)`,
		);
		createUserWithCli(dataDir, 'bench@example.com', 'correct horse battery');
		const cookie = await signInCookie(companion.url, 'bench@example.com', 'correct horse battery');
		const dashboard: number[] = [];
		for (let i = 0; i < ANALYTICS_SAMPLES; i++) dashboard.push(await timed(`${companion.url}/dashboard`, { cookie }));
		console.log(
			`dashboard page over the same (${ENVIRONMENTS} environments), GET /dashboard: p50 ${median(dashboard).toFixed(1)} ms, p95 ${percentile(dashboard, 0.95).toFixed(1)} ms over ${ANALYTICS_SAMPLES} requests (target < 300 ms)`,
		);
	} finally {
		await companion.stop();
	}
}

/** The floor: every page of GET /api/v1/executions read by a minimal client (fetch and JSON.parse per page). */
async function pageWithMinimalClient(baseUrl: string, apiKey: string): Promise<number> {
	const started = performance.now();
	let count = 0;
	for (let cursor: string | undefined; ;) {
		const url = `${baseUrl}/api/v1/executions?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
		const page = JSON.parse(await (await fetch(url, { headers: { 'X-N8N-API-KEY': apiKey } })).text()) as {
			data: unknown[];
			nextCursor?: string | null;
		};
		count += page.data.length;
		if (!page.nextCursor) break;
		cursor = page.nextCursor;
	}
	// A webhook call n8n dropped under load is not an execution: nearly all must be there.
	if (count < INDEXED * 0.99) throw new Error(`n8n listed ${count} executions`);
	return performance.now() - started;
}

async function indexingBench(): Promise<void> {
	const [target] = selectedTargets(process.env.N8N_VERSIONS ?? '2');
	const n8n = await startN8n({ target, name: 'bench-executions' });
	try {
		const client = new N8nClient({ name: 'bench', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		for (const workflow of [
			webhookWorkflow('ok', 'ok', { name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} }),
			webhookWorkflow('fail', 'fail', {
				name: 'Fail',
				type: 'n8n-nodes-base.stopAndError',
				typeVersion: 1,
				parameters: { errorMessage: 'Order refused for bob@example.com' },
			}),
		]) {
			const created = await client.createWorkflow(workflow);
			await client.setActive(created.id, true);
		}
		const started = performance.now();
		let done = 0;
		await Promise.all(
			Array.from({ length: 8 }, async () => {
				while (done < INDEXED) {
					const i = done++;
					const response = await fetch(`${n8n.baseUrl}/webhook/${i % 100 === 0 ? 'fail' : 'ok'}`, {
						method: 'POST',
						body: '{}',
					});
					await response.text();
				}
			}),
		);
		console.log(`ran ${INDEXED} executions through webhooks in ${((performance.now() - started) / 1000).toFixed(1)} s`);

		const ratios: number[] = [];
		const times: number[] = [];
		const floors: number[] = [];
		await pageWithMinimalClient(n8n.baseUrl, n8n.apiKey);
		for (let round = 0; round < ROUNDS; round++) {
			const before = await pageWithMinimalClient(n8n.baseUrl, n8n.apiKey);
			const companion = await startCompanion({ n8nTimeoutMs: 60_000 });
			const admin = await companion.token('admin');
			const environment = await companion.environment(admin, {
				name: 'bench',
				baseUrl: n8n.baseUrl,
				apiKey: n8n.apiKey,
			});
			const indexingStarted = performance.now();
			const job = (await companion.api(admin, 'POST', `/api/v1/environments/${environment.id}/executions/index`)).body;
			const events = await readEvents(`${companion.url}/api/v1/jobs/${job.id}/events`, {
				authorization: `Bearer ${admin}`,
			});
			const ms = performance.now() - indexingStarted;
			const result = events.at(-1)!.data.result as { added: number };
			await companion.close();
			if (result.added < INDEXED * 0.99) throw new Error(`indexed ${result.added}`);
			const after = await pageWithMinimalClient(n8n.baseUrl, n8n.apiKey);
			times.push(ms);
			floors.push((before + after) / 2);
			ratios.push(ms / ((before + after) / 2));
		}
		console.log(
			`first indexing of ${INDEXED} executions (n8n ${target.version}): ${median(times).toFixed(0)} ms vs paging them with a minimal client ${median(floors).toFixed(0)} ms: ${median(ratios).toFixed(2)} × (target ≤ 1.3 ×; median of ${ROUNDS})`,
		);
	} finally {
		await n8n.stop();
	}
}

/** Both parts, or the one named: `tsx test/bench/executions.bench.ts analytics|indexing`. */
async function main(): Promise<void> {
	const only = process.argv[2];
	if (!only || only === 'analytics') await analyticsBench();
	if (!only || only === 'indexing') await indexingBench();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
