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
const ROUNDS = 5;

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
		const timedSync = async (into: Companion) => {
			const token = await into.token('admin');
			const environment = await into.environment(token, { name: 'bench', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
			const started = performance.now();
			const { final } = await syncAndFollow(into, token, environment.id, { scope: 'workflows' });
			if (final.status !== 'succeeded' || final.result.workflows !== created)
				throw new Error(`sync ended ${JSON.stringify(final)}`);
			return performance.now() - started;
		};

		const paging: number[] = [];
		const firstSyncs: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			const started = performance.now();
			await pageWithMinimalClient(n8n.baseUrl, n8n.apiKey);
			paging.push(performance.now() - started);
			// A first sync stores every workflow: each round syncs into a fresh companion with an empty store.
			const fresh = await startCompanion();
			firstSyncs.push(await timedSync(fresh).finally(() => fresh.close()));
		}
		const token = await companion.token('admin');
		const environment = await companion.environment(token, { name: 'bench', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const reSyncs: number[] = [];
		for (let round = 0; round <= ROUNDS; round++) {
			const started = performance.now();
			await syncAndFollow(companion, token, environment.id, { scope: 'workflows' });
			if (round > 0) reSyncs.push(performance.now() - started);
		}
		const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
		const pagingMedian = median(paging);
		const ratio = (ms: number) => (ms / pagingMedian).toFixed(2);
		const [first, resync] = [median(firstSyncs), median(reSyncs)];
		console.log(
			`n8n ${target.version}, ${WORKFLOWS} workflows, medians of ${ROUNDS}: paging GET /api/v1/workflows with a minimal client ${pagingMedian.toFixed(0)} ms; ` +
				`first inventory sync ${first.toFixed(0)} ms = ${ratio(first)} × paging (the very first, cold: ${ratio(firstSyncs[0])} ×); ` +
				`re-sync of the unchanged instance ${resync.toFixed(0)} ms = ${ratio(resync)} × paging`,
		);

		await companion.api(token, 'POST', `/api/v1/environments/${environment.id}/baseline`, {});
		const checks: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			const started = performance.now();
			const { status, body } = await companion.api(
				token,
				'POST',
				`/api/v1/environments/${environment.id}/drift-checks`,
			);
			checks.push(performance.now() - started);
			if (status !== 201 || body.check.counts.IN_SYNC !== created)
				throw new Error(`drift check: ${JSON.stringify(body)}`);
		}
		const check = median(checks);
		console.log(
			`drift check of ${created} workflows (all in sync) ${check.toFixed(0)} ms = ${ratio(check)} × paging (median of ${ROUNDS})`,
		);

		const storedBytes = async () => {
			const rows = await companion.db.selectFrom('workflow_blobs').select('raw').execute();
			return rows.reduce((sum, row) => sum + row.raw.length, 0);
		};
		await companion.api(token, 'POST', '/api/v1/snapshots', { environmentId: environment.id, label: 'base' });
		const before = await storedBytes();
		const live = await client.listWorkflows();
		let changedBytes = 0;
		for (const workflow of live.slice(0, 10)) {
			const updated = await client.updateWorkflow(workflow.id, { ...workflow, name: `${workflow.name} (edited)` });
			changedBytes += JSON.stringify(await client.getWorkflow(updated.id)).length;
		}
		const snapshot = await companion.api(token, 'POST', '/api/v1/snapshots', {
			environmentId: environment.id,
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
