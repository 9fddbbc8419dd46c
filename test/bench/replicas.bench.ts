/**
 * Replicas benchmark (issue 14): the latency of API reads offered at 1,000 requests/s, spread over two
 * companion processes on PostgreSQL, next to one process on SQLite; and audit appends per second on
 * both. The built companion runs as users run it (`workflowops serve`, info-level request logs);
 * PostgreSQL is a cluster of Debian's package with its default durability (fsync, synchronous commit).
 * The load is open: each request is sent at its time whatever the earlier ones do, and its latency is
 * counted from that time.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { connectPostgres } from '../../service/db/database';
import { closedPort } from '../support/fake-n8n';
import { databaseUrl, startPostgresServer } from '../support/postgres-server';
import { type CompanionProcess, createTokenWithCli, newDataDir, startCompanionProcess } from './companion-process';

const RATE = 1000;
const READ_SECONDS = 10;
const APPEND_SECONDS = 5;
const APPEND_CLIENTS = 32;
const ENVIRONMENTS = 20;

interface Setup {
	label: string;
	replicas: CompanionProcess[];
	admin: string;
}

async function sqliteSetup(): Promise<Setup & { stop(): Promise<void> }> {
	const dataDir = newDataDir();
	const admin = createTokenWithCli(dataDir, 'admin');
	const companion = await startCompanionProcess(dataDir, await closedPort());
	return { label: '1 process on SQLite', replicas: [companion], admin, stop: () => companion.stop() };
}

async function postgresSetup(): Promise<Setup & { stop(): Promise<void> }> {
	const server = await startPostgresServer({ durable: true });
	const admin = connectPostgres(server.url, { max: 1 });
	await sql`create database workflowops`.execute(admin);
	await admin.destroy();
	const url = databaseUrl(server.url, 'workflowops');
	const dataDir = newDataDir();
	// The first one migrates the new database; the second starts on it.
	const first = await startCompanionProcess(dataDir, await closedPort(), url);
	const second = await startCompanionProcess(dataDir, await closedPort(), url);
	return {
		label: '2 replicas on PostgreSQL',
		replicas: [first, second],
		admin: createTokenWithCli(dataDir, 'admin', url),
		stop: async () => {
			await Promise.all([first.stop(), second.stop()]);
			server.stop();
		},
	};
}

/** Audit appends through the API from 32 clients for 5 s, spread over the replicas; the chain verified after. */
async function appendsPerSecond({ replicas, admin }: Setup): Promise<string> {
	const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
	const body = JSON.stringify({ action: 'bench.append', resourceType: 'workflow', resourceId: 'wf-1' });
	let done = 0;
	let failed = 0;
	const until = performance.now() + APPEND_SECONDS * 1000;
	const client = async (n: number) => {
		while (performance.now() < until) {
			const response = await fetch(`${replicas[n % replicas.length].url}/api/v1/audit`, {
				method: 'POST',
				headers,
				body,
			});
			await response.arrayBuffer();
			if (response.status === 201) done++;
			else failed++;
		}
	};
	const started = performance.now();
	await Promise.all(Array.from({ length: APPEND_CLIENTS }, (_, n) => client(n)));
	const seconds = (performance.now() - started) / 1000;
	const verify = (await (await fetch(`${replicas[0].url}/api/v1/audit/verify`, { headers })).json()) as {
		valid: boolean;
	};
	return `audit appends ${Math.round(done / seconds)}/s (${done} in ${seconds.toFixed(1)} s, ${APPEND_CLIENTS} clients, ${failed} failed, chain valid: ${verify.valid})`;
}

/** Reads offered at RATE per second for READ_SECONDS, round-robin over the replicas and over the paths. */
async function readLatency({ replicas, admin }: Setup, paths: string[]): Promise<string> {
	const headers = { authorization: `Bearer ${admin}` };
	const latencies: number[] = [];
	let failed = 0;
	const total = RATE * READ_SECONDS;
	const sent: Promise<void>[] = [];
	const start = performance.now();
	for (let i = 0; i < total;) {
		const now = performance.now();
		for (; i < total && start + (i * 1000) / RATE <= now; i++) {
			const due = start + (i * 1000) / RATE;
			const url = `${replicas[i % replicas.length].url}/api/v1${paths[i % paths.length]}`;
			sent.push(
				fetch(url, { headers }).then(async (response) => {
					await response.arrayBuffer();
					if (response.ok) latencies.push(performance.now() - due);
					else failed++;
				}),
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
	await Promise.all(sent);
	const seconds = (performance.now() - start) / 1000;
	return `reads at ${RATE}/s offered (${Math.round(latencies.length / seconds)}/s served, ${failed} failed): p50 ${percentile(latencies, 0.5)} ms, p95 ${percentile(latencies, 0.95)} ms, p99 ${percentile(latencies, 0.99)} ms`;
}

/** Environments to read, and an audit log (the appends') to page through. */
async function seed({ replicas, admin }: Setup): Promise<string[]> {
	const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
	const ids: string[] = [];
	for (let i = 0; i < ENVIRONMENTS; i++) {
		const response = await fetch(`${replicas[0].url}/api/v1/environments`, {
			method: 'POST',
			headers,
			body: JSON.stringify({ name: `env-${i}`, baseUrl: `http://127.0.0.1:9/${i}`, apiKey: 'k', class: 'dev' }),
		});
		if (response.status !== 201) throw new Error(`seeding failed: HTTP ${response.status} ${await response.text()}`);
		ids.push(((await response.json()) as { id: string }).id);
	}
	return [
		'/environments',
		...ids.slice(0, 5).map((id) => `/environments/${id}`),
		'/audit?limit=50',
		'/audit?limit=50&action=custom.bench.append',
	];
}

function percentile(values: number[], q: number): string {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
}

async function main(): Promise<void> {
	console.log(`node ${process.version}, ${new Date().toISOString()}`);
	for (const start of [sqliteSetup, postgresSetup]) {
		const setup = await start();
		try {
			const paths = await seed(setup);
			const appends = await appendsPerSecond(setup);
			console.log(`${setup.label}: ${appends}`);
			console.log(`${setup.label}: ${await readLatency(setup, paths)}`);
		} finally {
			await setup.stop();
		}
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
