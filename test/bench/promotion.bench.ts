/**
 * Promoting 100 workflows between two real n8n instances (plan, request, the target's snapshot, every
 * write and its read-back) against the bare calls a minimal client makes to copy them (fetch and
 * JSON.parse: list the source, GET each, POST each to the target, GET each back), in the same run
 * (target ≤ 1.5 ×). N8N_VERSIONS picks the version, 2.x by default.
 */
import { performance } from 'node:perf_hooks';
import { N8nClient } from '../../service/n8n/client';
import { type N8nWorkflow, writableBody } from '../../service/n8n/workflow-body';
import { referencedWorkflowIds, workflowRefProblems } from '../../service/domain/workflows/workflow-refs';
import { type N8nInstance, startN8n } from '../e2e/harness/instance';
import { selectedTargets } from '../e2e/harness/versions';
import { contentRulesAsWarnings, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';

const WORKFLOWS = 100;
const ROUNDS = 3;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function call(n8n: N8nInstance, method: string, path: string, body?: unknown): Promise<any> {
	const response = await fetch(`${n8n.baseUrl}/api/v1${path}`, {
		method,
		headers: { 'X-N8N-API-KEY': n8n.apiKey, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return JSON.parse(await response.text());
}

/** The floor: what copying the workflows takes with nothing but fetch and JSON.parse. */
async function copyWithMinimalClient(dev: N8nInstance, prod: N8nInstance, major: 1 | 2): Promise<number> {
	const started = performance.now();
	const ids: string[] = [];
	for (let cursor: string | undefined; ;) {
		const page = await call(dev, 'GET', `/workflows?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		ids.push(...page.data.map((workflow: { id: string }) => workflow.id));
		if (!page.nextCursor) break;
		cursor = page.nextCursor;
	}
	for (const id of ids) {
		const source = await call(dev, 'GET', `/workflows/${id}`);
		const created = await call(prod, 'POST', '/workflows', writableBody(source, major));
		await call(prod, 'GET', `/workflows/${created.id}`);
	}
	return performance.now() - started;
}

async function emptyTarget(prod: N8nInstance): Promise<void> {
	const client = new N8nClient({ name: 'prod', baseUrl: prod.baseUrl, apiKey: prod.apiKey });
	for (const workflow of await client.listWorkflows()) await client.deleteWorkflow(workflow.id);
}

async function main(): Promise<void> {
	const [target] = selectedTargets(process.env.N8N_VERSIONS ?? '2');
	const major = Number(target.major) as 1 | 2;
	const [dev, prod] = await Promise.all([
		startN8n({ target, name: 'bench-dev' }),
		startN8n({ target, name: 'bench-prod' }),
	]);
	const companion = await startCompanion();
	try {
		const devClient = new N8nClient({ name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey });
		const samples = corpusWorkflows().map(({ workflow }) => workflow);
		let created = 0;
		for (let i = 0; created < WORKFLOWS; i++) {
			const sample = samples[i % samples.length];
			// A workflow that runs another of its author's instance (or names none) would be blocked: not benched.
			const workflow = sample as N8nWorkflow;
			if (referencedWorkflowIds(workflow).size || workflowRefProblems(workflow).length) continue;
			const nodes = sample.nodes.map(({ credentials: _credentials, ...node }) => node);
			if (await devClient.createWorkflow({ ...sample, name: `${sample.name} #${i}`, nodes }).catch(() => undefined))
				created++;
		}
		const [requester, approver] = [await companion.token('admin'), await companion.token('admin')];
		// Corpus workflows carry literal Authorization headers and banned nodes: this benches the promotion, not the policy gate.
		await contentRulesAsWarnings(companion, requester);
		const devId = (
			await companion.environment(requester, { name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey, class: 'dev' })
		).id;
		const prodId = (
			await companion.environment(requester, { name: 'prod', baseUrl: prod.baseUrl, apiKey: prod.apiKey })
		).id;
		await syncAndFollow(companion, requester, devId);
		const promote = async () => {
			const started = performance.now();
			const requested = await companion.api(requester, 'POST', '/api/v1/promotions', {
				sourceEnvironmentId: devId,
				targetEnvironmentId: prodId,
				changedOnly: true,
			});
			if (requested.status !== 201) throw new Error(`request: ${JSON.stringify(requested.body)}`);
			await companion.api(approver, 'POST', `/api/v1/promotions/${requested.body.id}/approve`, {});
			const job = await companion.api(requester, 'POST', `/api/v1/promotions/${requested.body.id}/execute`);
			await readEvents(`${companion.url}/api/v1/jobs/${job.body.id}/events`, { authorization: `Bearer ${requester}` });
			const ms = performance.now() - started;
			const done = (await companion.api(requester, 'GET', `/api/v1/promotions/${requested.body.id}`)).body;
			if (done.status !== 'COMPLETED') throw new Error(`promotion ended ${done.status}: ${done.execution?.error}`);
			return ms;
		};
		const reset = async () => {
			await emptyTarget(prod);
			await syncAndFollow(companion, requester, prodId);
			await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		};
		const times: number[] = [];
		const floors: number[] = [];
		for (let round = 0; round <= ROUNDS; round++) {
			await reset();
			const floor = await copyWithMinimalClient(dev, prod, major);
			await reset();
			const ms = await promote();
			// The first round warms up both.
			if (round === 0) continue;
			floors.push(floor);
			times.push(ms);
		}
		const ratios = times.map((ms, i) => ms / floors[i]);
		console.log(
			`n8n ${target.version}, promoting ${created} workflows dev → prod (plan, request, approve, snapshot, write, read back), medians of ${ROUNDS} rounds:\n` +
				`  promotion ${median(times).toFixed(0)} ms = ${median(ratios).toFixed(2)} × the minimal calls (${median(floors).toFixed(0)} ms: list dev, GET each, POST each to prod, GET each back)`,
		);
	} finally {
		await Promise.all([dev.stop(), prod.stop()]);
		await companion.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
