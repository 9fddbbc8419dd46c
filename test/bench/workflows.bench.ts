/**
 * Workflows across environments (issue 12): the p95 of a search over 10,000 synced workflows in 5
 * environments (target < 20 ms), and the matrix page showing 1,000 canonical workflows × 5 environments
 * (target < 300 ms). The built companion runs as its own process on a real SQLite file; the inventory
 * is seeded from the corpus through the content store, and indexed by the first search, as after a
 * sync; requests go over loopback with plain fetch.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chunks } from '../../service/db/batches';
import { openDatabase } from '../../service/db/database';
import { listedOf } from '../../service/n8n/list-page';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { keepFindings, prepareWorkflows, storeWorkflows } from '../../service/domain/workflows/content-store';
import { inventoried } from '../../service/domain/workflows/inventory-sync';
import { corpusWorkflows } from '../support/corpus';
import { closedPort } from '../support/fake-n8n';
import {
	createTokenWithCli,
	createUserWithCli,
	newDataDir,
	signInCookie,
	startCompanionProcess,
} from './companion-process';

const ENVIRONMENTS = 5;
const CANONICAL = 2_000;
const SEARCH_SAMPLES = 1_000;
const PAGE_SAMPLES = 20;
const QUERIES = [
	'invoice',
	'slack',
	'node:googleSheets',
	'credential:"Slack account"',
	'tag:finance',
	'text:api.openai.com',
	'webhook email',
	'name:"lead 12"',
	'zzzz-nothing',
	'http',
];

const classOf = (i: number) => (i === 0 ? 'dev' : i === ENVIRONMENTS - 1 ? 'prod' : 'staging');

const percentile = (values: number[], p: number) =>
	[...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function timed(url: string, headers: Record<string, string>): Promise<{ ms: number; body: string }> {
	const started = performance.now();
	const response = await fetch(url, { headers });
	const body = await response.text();
	if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
	return { ms: performance.now() - started, body };
}

/** 5 environments, each with a variant of the same 2,000 workflows (every seventh edited in prod), linked. */
async function seed(databaseFile: string, environmentIds: string[]): Promise<void> {
	const db = openDatabase(databaseFile);
	const samples = corpusWorkflows().map(({ workflow }) => workflow as N8nWorkflow);
	const at = new Date().toISOString();
	const canonicalIds = Array.from({ length: CANONICAL }, () => crypto.randomUUID());
	for (const batch of chunks(canonicalIds, 500))
		await db
			.insertInto('canonical_workflows')
			.values(batch.map((id, i) => ({ id, name: `w${i}`, status: 'LINKED' as const, created_at: at })))
			.execute();
	const started = performance.now();
	for (const [e, environmentId] of environmentIds.entries()) {
		const workflows = canonicalIds.map((_, c): N8nWorkflow => {
			const sample = samples[c % samples.length];
			const edited = e === ENVIRONMENTS - 1 && c % 7 === 0;
			return {
				...structuredClone(sample),
				id: `e${e}-w${c}`,
				name: `${sample.name} ${c}`,
				active: c % 3 === 0,
				tags: c % 5 === 0 ? [{ id: 't1', name: 'finance' }] : [],
				settings: { ...(sample.settings ?? {}), ...(edited && { executionTimeout: 60 }) },
			};
		});
		for (const [b, batch] of chunks(workflows, 500).entries()) {
			const stored = await prepareWorkflows(db, batch.map(listedOf));
			await storeWorkflows(db, stored);
			await keepFindings(db, stored, classOf(e));
			await db
				.insertInto('workflow_inventory')
				.values(
					stored.map((one, i) => ({
						...inventoried(one),
						environment_id: environmentId,
						canonical_id: canonicalIds[b * 500 + i],
					})),
				)
				.execute();
		}
	}
	console.log(
		`seeded ${ENVIRONMENTS * CANONICAL} workflows (${CANONICAL} canonical × ${ENVIRONMENTS} environments) through the content store (as a sync stores them, findings included) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
	);
	await db.destroy();
}

async function main(): Promise<void> {
	const dataDir = newDataDir();
	const admin = createTokenWithCli(dataDir, 'admin');
	const companion = await startCompanionProcess(dataDir, await closedPort());
	const auth = { authorization: `Bearer ${admin}` };
	try {
		const closed = await closedPort();
		const environmentIds: string[] = [];
		for (const [i, name] of ['dev', 'qa', 'staging', 'preprod', 'prod'].entries()) {
			const response = await fetch(`${companion.url}/api/v1/environments`, {
				method: 'POST',
				headers: { ...auth, 'content-type': 'application/json' },
				body: JSON.stringify({
					name,
					baseUrl: `http://127.0.0.1:${closed}`,
					apiKey: 'key',
					class: classOf(i),
				}),
			});
			environmentIds.push(((await response.json()) as { id: string }).id);
		}
		const pipeline = await fetch(`${companion.url}/api/v1/pipelines`, {
			method: 'POST',
			headers: { ...auth, 'content-type': 'application/json' },
			body: JSON.stringify({
				name: 'Release',
				stages: environmentIds
					.slice(1)
					.map((target, i) => ({ sourceEnvironmentId: environmentIds[i], targetEnvironmentId: target })),
			}),
		});
		if (!pipeline.ok) throw new Error(`pipeline: HTTP ${pipeline.status}`);
		await seed(path.join(dataDir, 'workflowops.sqlite'), environmentIds);
		const first = await timed(`${companion.url}/api/v1/search?q=invoice`, auth);
		console.log(
			`the first search indexed the ${ENVIRONMENTS * CANONICAL} workflows the seed wrote (as a sync would have) in ${(first.ms / 1000).toFixed(1)} s`,
		);

		const byQuery = new Map<string, { ms: number[]; hits: number }>();
		const all: number[] = [];
		for (let i = 0; i < SEARCH_SAMPLES; i++) {
			const q = QUERIES[i % QUERIES.length];
			const { ms, body } = await timed(`${companion.url}/api/v1/search?q=${encodeURIComponent(q)}`, auth);
			const entry = byQuery.get(q) ?? { ms: [], hits: (JSON.parse(body) as { data: unknown[] }).data.length };
			entry.ms.push(ms);
			byQuery.set(q, entry);
			all.push(ms);
		}
		for (const [q, { ms, hits }] of byQuery)
			console.log(
				`  search ${JSON.stringify(q)}: p50 ${percentile(ms, 0.5).toFixed(1)} ms, p95 ${percentile(ms, 0.95).toFixed(1)} ms (${hits} hits on the first page)`,
			);
		console.log(
			`search over ${ENVIRONMENTS * CANONICAL} workflows, GET /api/v1/search (first page of 50): p50 ${percentile(all, 0.5).toFixed(1)} ms, p95 ${percentile(all, 0.95).toFixed(1)} ms over ${SEARCH_SAMPLES} requests (target p95 < 20 ms)`,
		);

		createUserWithCli(dataDir, 'bench@example.com', 'correct horse battery', 'viewer');
		const cookie = await signInCookie(companion.url, 'bench@example.com', 'correct horse battery');
		for (const [what, url, headers] of [
			['matrix page, GET /workflows?limit=1000 (HTML)', `${companion.url}/workflows?limit=1000`, { cookie }],
			['matrix API, GET /api/v1/workflows?limit=1000', `${companion.url}/api/v1/workflows?limit=1000`, auth],
			[
				'matrix page filtered, GET /workflows?differs=true&q=slack',
				`${companion.url}/workflows?differs=true&q=slack`,
				{ cookie },
			],
		] as const) {
			const times: number[] = [];
			let size = 0;
			for (let i = 0; i < PAGE_SAMPLES; i++) {
				const { ms, body } = await timed(url, headers);
				times.push(ms);
				size = body.length;
			}
			console.log(
				`${what}: 1,000 canonical workflows × ${ENVIRONMENTS} environments of ${CANONICAL}: median ${percentile(times, 0.5).toFixed(0)} ms, p95 ${percentile(times, 0.95).toFixed(0)} ms (${(size / 1024).toFixed(0)} KiB; target < 300 ms)`,
			);
		}
	} finally {
		await companion.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
