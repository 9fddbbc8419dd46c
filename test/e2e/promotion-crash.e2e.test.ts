import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publishedView } from '../../service/domain/drift/published';
import { contentHash } from '../../service/domain/workflows/normalize';
import { N8nClient } from '../../service/n8n/client';
import { testDatabase } from '../support/test-database';
import { scheduledWorkflow } from '../support/workflows';
import { startCompanionProcess } from '../support/companion-process';
import { startFaultProxy } from './harness/fault-proxy';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

const until = async (check: () => Promise<boolean>, what: string) => {
	for (const deadline = Date.now() + 120_000; !(await check());) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
};

describe.each(selectedTargets())('a companion killed mid-promotion on n8n $version', (target) => {
	let dev: N8nInstance;
	let prod: N8nInstance;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-crash-'));
	afterAll(async () => {
		await Promise.all([dev?.stop(), prod?.stop()]);
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	test('rolls the promotion back (at its next start on SQLite, by another replica on PostgreSQL, which also takes over a sync killed mid-way), the create whose answer was lost included', async () => {
		[dev, prod] = await Promise.all([
			startN8n({ target, name: 'crash-dev' }),
			startN8n({ target, name: 'crash-prod' }),
		]);
		const devClient = new N8nClient({ name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey });
		const prodClient = new N8nClient({ name: 'prod', baseUrl: prod.baseUrl, apiKey: prod.apiKey });
		for (const name of ['Alpha', 'Beta', 'Gamma', 'Delta']) await devClient.createWorkflow(scheduledWorkflow(name));
		await prodClient.createWorkflow({ ...scheduledWorkflow('Alpha'), settings: { timezone: 'Europe/Paris' } });
		const prodState = async () =>
			(await prodClient.listWorkflows())
				.map((workflow) => ({
					id: workflow.id,
					name: workflow.name,
					hash: contentHash(publishedView(workflow)),
					active: workflow.active,
				}))
				.sort((a, b) => a.id.localeCompare(b.id));
		// The third create reaches n8n, which makes the workflow, but its answer never comes back.
		let creates = 0;
		// Later, n8n's answers to the workflow list: a sync under way for as long as the test wants.
		let holdingLists = false;
		let listsHeld = 0;
		const proxy = await startFaultProxy(
			prod.baseUrl,
			() => false,
			(method, url) =>
				(method === 'POST' && url === '/api/v1/workflows' && ++creates === 3) ||
				(holdingLists && method === 'GET' && url.startsWith('/api/v1/workflows?') && ++listsHeld > 0),
		);
		const database = await testDatabase(path.join(dataDir, 'workflowops.sqlite'));
		const companion = await startCompanionProcess(dataDir, database.url);
		// On PostgreSQL two more replicas serve beside it, and one of them takes its work over when it dies.
		const others = database.url
			? await Promise.all([startCompanionProcess(dataDir, database.url), startCompanionProcess(dataDir, database.url)])
			: [];
		let serving = companion;
		try {
			const token = companion.token('admin');
			const api = async (method: string, apiPath: string, body?: unknown) =>
				(await serving.api(token, method, apiPath, body)).body;
			const sync = async (environmentId: string) => {
				const job = await api('POST', `/environments/${environmentId}/sync`);
				await until(async () => (await api('GET', `/jobs/${job.id}`)).status === 'succeeded', 'the sync');
			};
			const devId = (
				await api('POST', '/environments', { name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey, class: 'dev' })
			).id;
			// A staging target: no approval needed, the promotion is APPROVED when requested.
			const prodId = (
				await api('POST', '/environments', {
					name: 'staging',
					baseUrl: proxy.url,
					apiKey: prod.apiKey,
					class: 'staging',
				})
			).id;
			await sync(devId);
			await sync(prodId);
			await api('POST', `/environments/${prodId}/baseline`, {});
			const before = await prodState();

			const promotion = await api('POST', '/promotions', {
				sourceEnvironmentId: devId,
				targetEnvironmentId: prodId,
				changedOnly: true,
				overrideHotfixes: [],
			});
			expect(promotion).toMatchObject({ status: 'APPROVED' });
			expect(promotion.plan.items.map((item: any) => [item.name, item.action])).toEqual([
				['Alpha', 'update'],
				['Beta', 'create'],
				['Delta', 'create'],
				['Gamma', 'create'],
			]);
			await api('POST', `/promotions/${promotion.id}/execute`);
			await until(
				async () => (await prodClient.listWorkflows()).some((workflow) => workflow.name === 'Gamma'),
				'the third create to reach n8n',
			);
			await companion.kill();
			expect((await prodState()).length).toBe(before.length + 3);

			if (others.length) serving = others[1];
			else await companion.restart();
			await until(async () => (await api('GET', `/promotions/${promotion.id}`)).status !== 'RUNNING', 'the recovery');
			const ended = await api('GET', `/promotions/${promotion.id}`);
			expect(ended).toMatchObject({
				status: 'ROLLED_BACK',
				execution: {
					status: 'undone',
					error: 'interrupted: the companion stopped while it ran',
					steps: [
						{ name: 'Beta', state: 'undone' },
						{ name: 'Delta', state: 'undone' },
						{ name: 'Gamma', state: 'undone', resultId: null },
					],
				},
			});
			expect(await prodState()).toEqual(before);
			if (!others.length) return;

			// A sync on a replica killed mid-way is failed as interrupted by another, which syncs again.
			const [syncing, taking] = others;
			holdingLists = true;
			const interrupted = (await syncing.api(token, 'POST', `/environments/${prodId}/sync`, {})).body;
			await until(async () => listsHeld > 0, 'the sync to ask n8n for its workflows');
			await syncing.kill();
			const killedAt = new Date().toISOString();
			holdingLists = false;
			const job = async () => (await taking.api(token, 'GET', `/jobs/${interrupted.id}`)).body;
			await until(async () => (await job()).status !== 'running', 'the takeover of the sync');
			expect(await job()).toMatchObject({ status: 'failed', error: 'interrupted: the companion stopped while it ran' });
			const environment = async () => (await taking.api(token, 'GET', `/environments/${prodId}`)).body;
			await until(async () => (await environment()).lastSyncAt > killedAt, 'the sync started again');
			const inventory = (await taking.api(token, 'GET', `/environments/${prodId}/workflows?limit=100`)).body;
			expect(inventory.data.map((workflow: any) => workflow.id).sort()).toEqual(before.map((w) => w.id).sort());
		} finally {
			await Promise.all([companion, ...others].map((replica) => replica.kill()));
			await proxy.close();
			await database.drop();
		}
	});
});
