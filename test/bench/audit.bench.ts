/**
 * Audit log benchmarks (issue 2): appends per second through the API, and the p95 latency of a
 * filtered page of 50 with 100,000 entries stored. The built companion runs as its own process
 * (`workflowops serve`, info-level request logs) on a real SQLite file; requests go over loopback.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { migrateToLatest, openDatabase } from '../../service/db/database';
import { appendAuditEntries, type AuditContext, verifyAuditChain } from '../../service/domain/audit/audit-log';
import { closedPort } from '../support/fake-n8n';
import { createTokenWithCli, newDataDir, startCompanionProcess } from './companion-process';

const APPEND_SECONDS = 5;
const CONCURRENCY = 32;
const STORED = 100_000;
const PAGE_SAMPLES = 500;

async function appendsPerSecond(): Promise<void> {
	const dataDir = newDataDir();
	const token = createTokenWithCli(dataDir, 'developer');
	const companion = await startCompanionProcess(dataDir, await closedPort());
	const body = JSON.stringify({
		action: 'bench.append',
		resourceType: 'workflow',
		resourceId: 'wf-1',
		metadata: { size: 'small' },
	});
	let done = 0;
	let failed = 0;
	const until = performance.now() + APPEND_SECONDS * 1000;
	const worker = async () => {
		while (performance.now() < until) {
			const response = await fetch(`${companion.url}/api/v1/audit`, {
				method: 'POST',
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body,
			});
			await response.arrayBuffer();
			if (response.status === 201) done++;
			else failed++;
		}
	};
	const started = performance.now();
	await Promise.all(Array.from({ length: CONCURRENCY }, worker));
	const seconds = (performance.now() - started) / 1000;
	const admin = createTokenWithCli(dataDir, 'admin');
	const verify = (await (
		await fetch(`${companion.url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${admin}` } })
	).json()) as { valid: boolean };
	console.log(
		`audit appends through POST /api/v1/audit: ${Math.round(done / seconds)}/s (${done} in ${seconds.toFixed(1)} s, ${CONCURRENCY} concurrent clients, ${failed} failed; chain valid: ${verify.valid})`,
	);
	await companion.stop();
}

async function filteredPageLatency(): Promise<void> {
	const dataDir = newDataDir();
	const db = openDatabase(path.join(dataDir, 'workflowops.sqlite'));
	await migrateToLatest(db);
	const contexts: AuditContext[] = Array.from({ length: 20 }, (_, i) => ({
		actor: { type: 'user', id: `user-${i}`, name: `user${i}@example.com` },
		ip: '10.0.0.1',
		userAgent: 'bench',
	}));
	const actions = [
		'environment.test',
		'environment.update',
		'custom.deploy',
		'custom.approval',
		'token.create',
		'auth.login',
	];
	const seedStart = performance.now();
	for (let batch = 0; batch < STORED / 5000; batch++) {
		const entries = Array.from({ length: 5000 }, (_, i) => {
			const n = batch * 5000 + i;
			return {
				context: contexts[n % contexts.length],
				event: {
					action: actions[n % actions.length],
					resourceType: n % 3 ? 'environment' : 'workflow',
					resourceId: `res-${n % 500}`,
					environmentId: `env-${n % 50}`,
					metadata: { n },
				},
			};
		});
		await db.transaction().execute((trx) => appendAuditEntries(trx, entries));
	}
	console.log(`seeded ${STORED} chained entries in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

	const verifyStart = performance.now();
	const verify = await verifyAuditChain(db);
	console.log(
		`verify chain of ${verify.checked} entries: ${((performance.now() - verifyStart) / 1000).toFixed(2)} s (valid: ${verify.valid})`,
	);

	await db.destroy();
	const token = createTokenWithCli(dataDir, 'admin');
	const companion = await startCompanionProcess(dataDir, await closedPort());
	const queries = [
		'action=custom.deploy',
		'actor=user7@example.com',
		'environmentId=env-13',
		'resourceType=workflow&resourceId=res-42',
		'action=environment.*&environmentId=env-2',
		`from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&action=auth.login`,
	];
	const byQuery = new Map<string, number[]>(queries.map((query) => [query, []]));
	for (let i = 0; i < PAGE_SAMPLES; i++) {
		const query = queries[i % queries.length];
		const started = performance.now();
		const response = await fetch(`${companion.url}/api/v1/audit?limit=50&${query}`, {
			headers: { authorization: `Bearer ${token}` },
		});
		const page = (await response.json()) as { data: unknown[] };
		byQuery.get(query)!.push(performance.now() - started);
		if (page.data.length !== 50) throw new Error(`expected a full page for ${query}`);
	}
	const all = [...byQuery.values()].flat();
	console.log(
		`filtered audit page of 50 with ${STORED} stored (${PAGE_SAMPLES} requests, ${queries.length} filters): p50 ${percentile(all, 0.5)} ms, p95 ${percentile(all, 0.95)} ms, p99 ${percentile(all, 0.99)} ms`,
	);
	for (const [query, latencies] of byQuery)
		console.log(`  p95 ${percentile(latencies, 0.95)} ms  ${decodeURIComponent(query)}`);
	await companion.stop();
}

function percentile(values: number[], q: number): string {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
}

async function main(): Promise<void> {
	console.log(`node ${process.version}, ${new Date().toISOString()}`);
	if (!process.argv.includes('--pages-only')) await appendsPerSecond();
	await filteredPageLatency();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
