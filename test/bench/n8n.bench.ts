/**
 * On a real n8n holding 1,000 workflows:
 * - inventory sync vs paging through GET /api/v1/workflows with a minimal client (fetch and JSON.parse
 *   per page), in the same run (target ≤ 1.1 ×):
 *   the first sync, which stores every workflow, and re-syncs of the unchanged instance;
 * - storage a snapshot adds when 10 of the 1,000 changed since the last one (target ≈ those 10);
 * - a drift check of the 1,000 against their baseline (target ≤ 1.1 × the same floor).
 * Needs the e2e harness's n8n (installed on first use); N8N_VERSIONS picks the version, 2.x by default.
 */
import { performance } from 'node:perf_hooks';
import { N8nClient } from '../../service/n8n/client';
import { startN8n } from '../e2e/harness/instance';
import { selectedTargets } from '../e2e/harness/versions';
import { type Companion, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';

const WORKFLOWS = 1000;
const ROUNDS = 11;

interface Paired {
	ms: number;
	floorMs: number;
	ratio: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Times `operation` ROUNDS times (after one run to warm up), each between two floor measurements: its
 * ratio is to their mean, so n8n slowing down or speeding up during the run cancels out.
 */
async function pairedWithFloor(floor: () => Promise<number>, operation: () => Promise<number>): Promise<Paired> {
	await operation();
	const times: number[] = [];
	const floors: number[] = [];
	const ratios: number[] = [];
	let before = await floor();
	for (let round = 0; round < ROUNDS; round++) {
		const ms = await operation();
		const after = await floor();
		times.push(ms);
		floors.push((before + after) / 2);
		ratios.push(ms / ((before + after) / 2));
		before = after;
	}
	return { ms: median(times), floorMs: median(floors), ratio: median(ratios) };
}

/**
 * The floor: every page of GET /api/v1/workflows read by a minimal client (fetch and JSON.parse per
 * page, nothing else), not through our own n8n client.
 */
async function pageWithMinimalClient(baseUrl: string, apiKey: string): Promise<number> {
	let count = 0;
	for (let cursor: string | undefined; ;) {
		const url = `${baseUrl}/api/v1/workflows?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
		const page = JSON.parse(await (await fetch(url, { headers: { 'X-N8N-API-KEY': apiKey } })).text()) as {
			data: unknown[];
			nextCursor?: string | null;
		};
		count += page.data.length;
		if (!page.nextCursor) return count;
		cursor = page.nextCursor;
	}
}

async function main(): Promise<void> {
	const [target] = selectedTargets(process.env.N8N_VERSIONS ?? '2');
	const n8n = await startN8n({ target, name: 'bench' });
	const companion = await startCompanion();
	try {
		const client = new N8nClient({ name: 'bench', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const samples = corpusWorkflows().map(({ workflow }) => workflow);
		let created = 0;
		for (let i = 0; created < WORKFLOWS; i++) {
			const sample = samples[i % samples.length];
			if (await client.createWorkflow({ ...sample, name: `${sample.name} #${i}` }).catch(() => undefined)) created++;
		}
		const sync = async (into: Companion, environmentId: string, token: string) => {
			const started = performance.now();
			const { final } = await syncAndFollow(into, token, environmentId, { scope: 'workflows' });
			if (final.status !== 'succeeded' || final.result.workflows !== created)
				throw new Error(`sync ended ${JSON.stringify(final)}`);
			return performance.now() - started;
		};
		const addEnvironment = async (into: Companion) => {
			const token = await into.token('admin');
			const environment = await into.environment(token, { name: 'bench', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
			return { token, environmentId: environment.id as string };
		};
		const floor = async () => {
			const started = performance.now();
			await pageWithMinimalClient(n8n.baseUrl, n8n.apiKey);
			return performance.now() - started;
		};

		// A first sync stores every workflow: each one syncs into a fresh companion with an empty store.
		const firstSync = async () => {
			const fresh = await startCompanion();
			try {
				const { token, environmentId } = await addEnvironment(fresh);
				return await sync(fresh, environmentId, token);
			} finally {
				await fresh.close();
			}
		};
		const first = await pairedWithFloor(floor, firstSync);
		const { token, environmentId } = await addEnvironment(companion);
		const resync = await pairedWithFloor(floor, () => sync(companion, environmentId, token));
		await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
		const check = await pairedWithFloor(floor, async () => {
			const started = performance.now();
			const { status, body } = await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/drift-checks`);
			if (status !== 201 || body.check.counts.IN_SYNC !== created)
				throw new Error(`drift check: ${JSON.stringify(body)}`);
			return performance.now() - started;
		});
		const line = (what: string, { ms, floorMs, ratio }: Paired) =>
			`${what} ${ms.toFixed(0)} ms = ${ratio.toFixed(2)} × paging (${floorMs.toFixed(0)} ms)`;
		console.log(
			`n8n ${target.version}, ${created} workflows, medians of ${ROUNDS} rounds, each timed between two pagings of GET /api/v1/workflows with a minimal client:\n` +
				`  ${line('first inventory sync', first)}\n` +
				`  ${line('re-sync of the unchanged instance', resync)}\n` +
				`  ${line('drift check (all in sync)', check)}`,
		);

		const storedBytes = async () => {
			const rows = await companion.db.selectFrom('workflow_blobs').select('raw').execute();
			return rows.reduce((sum, row) => sum + row.raw.length, 0);
		};
		await companion.api(token, 'POST', '/api/v1/snapshots', { environmentId, label: 'base' });
		const before = await storedBytes();
		const live = await client.listWorkflows();
		let changedBytes = 0;
		for (const workflow of live.slice(0, 10)) {
			const updated = await client.updateWorkflow(workflow.id, { ...workflow, name: `${workflow.name} (edited)` });
			changedBytes += JSON.stringify(await client.getWorkflow(updated.id)).length;
		}
		const snapshot = await companion.api(token, 'POST', '/api/v1/snapshots', {
			environmentId,
			label: 'after 10 edits',
		});
		const added = (await storedBytes()) - before;
		console.log(
			`snapshot of ${snapshot.body.workflowCount} workflows, 10 changed since the last: ${(added / 1024).toFixed(1)} KiB added ` +
				`(the 10 changed workflows are ${(changedBytes / 1024).toFixed(1)} KiB; all ${live.length} are ${(before / 1024).toFixed(0)} KiB)`,
		);
	} finally {
		await n8n.stop();
		await companion.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
