/**
 * Inventory sync of 1,000 workflows on a real n8n (issue 4: ≤ 1.3 × the time of paging through
 * GET /api/v1/workflows alone, measured in the same run): the first sync, which stores every
 * workflow, and re-syncs of the unchanged instance. Needs the e2e harness's n8n (installed on
 * first use); N8N_VERSIONS picks the version, 2.x by default.
 */
import { performance } from 'node:perf_hooks';
import { N8nClient } from '../../service/n8n/client';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { startN8n } from '../e2e/harness/instance';
import { selectedTargets } from '../e2e/harness/versions';
import { startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';

const WORKFLOWS = 1000;
const ROUNDS = 5;

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
		const token = await companion.token('admin');
		const environment = (
			await companion.api(token, 'POST', '/api/v1/environments', {
				name: 'bench',
				baseUrl: n8n.baseUrl,
				class: 'prod',
				apiKey: n8n.apiKey,
			})
		).body;

		const paging: number[] = [];
		const syncing: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			let started = performance.now();
			let seen = 0;
			for await (const page of client.pages<N8nWorkflow>('/workflows')) seen += page.length;
			paging.push(performance.now() - started);

			started = performance.now();
			const { final } = await syncAndFollow(companion, token, environment.id, { scope: 'workflows' });
			syncing.push(performance.now() - started);
			if (final.status !== 'succeeded' || final.result.workflows !== seen)
				throw new Error(`sync ended ${JSON.stringify(final)}`);
		}
		const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
		const pagingMedian = median(paging);
		const ratio = (ms: number) => (ms / pagingMedian).toFixed(2);
		const resync = median(syncing.slice(1));
		console.log(
			`n8n ${target.version}, ${WORKFLOWS} workflows: paging GET /api/v1/workflows ${pagingMedian.toFixed(0)} ms (median of ${ROUNDS}); ` +
				`first inventory sync ${syncing[0].toFixed(0)} ms = ${ratio(syncing[0])} × paging; ` +
				`re-sync ${resync.toFixed(0)} ms = ${ratio(resync)} × paging (median of ${ROUNDS - 1})`,
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
