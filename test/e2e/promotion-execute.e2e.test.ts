import { publishedView } from '../../service/domain/drift/published';
import { contentHash } from '../../service/domain/workflows/normalize';
import { N8nClient } from '../../service/n8n/client';
import { type Companion, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { scheduledWorkflow } from '../support/workflows';
import { editorCreate, editorMadeWorkflow, editorParentOf, editorUpdate } from './harness/editor';
import { startFaultProxy } from './harness/fault-proxy';
import { headerCredential } from './harness/credentials';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(900_000);

const CORPUS_COUNT = 40;

describe.each(selectedTargets())('promotions executed on n8n $version', (target) => {
	let dev: N8nInstance;
	let prod: N8nInstance;
	let devClient: N8nClient;
	let prodClient: N8nClient;
	let companion: Companion;
	let requester: string;
	let approver: string;
	let devId: string;
	let prodId: string;
	/** Dev workflow ids by name, of everything promoted by the first test. */
	const devIds = new Map<string, string>();

	beforeAll(async () => {
		[dev, prod, companion] = await Promise.all([
			startN8n({ target, name: 'execute-dev' }),
			startN8n({ target, name: 'execute-prod' }),
			startCompanion(),
		]);
		devClient = new N8nClient({ name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey });
		prodClient = new N8nClient({ name: 'prod', baseUrl: prod.baseUrl, apiKey: prod.apiKey });
		[requester, approver] = await Promise.all([companion.token('admin'), companion.token('admin')]);
		devId = (
			await companion.environment(requester, { name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey, class: 'dev' })
		).id;
		prodId = (await companion.environment(requester, { name: 'prod', baseUrl: prod.baseUrl, apiKey: prod.apiKey })).id;
	});
	afterAll(async () => {
		await Promise.all([dev?.stop(), prod?.stop()]);
		await companion?.close();
	});

	/** Requests the promotion of `names` (dev workflows), has another admin approve it, and runs it. */
	async function promote(names: string[], extra: object = {}) {
		const requested = await companion.api(requester, 'POST', '/api/v1/promotions', {
			sourceEnvironmentId: devId,
			targetEnvironmentId: prodId,
			workflowIds: names.map((name) => devIds.get(name)!),
			...extra,
		});
		if (requested.status !== 201) throw new Error(`request: ${JSON.stringify(requested.body)}`);
		const id = requested.body.id as string;
		if (requested.body.status === 'PENDING_APPROVAL') {
			const own = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/approve`, {});
			expect(own.status).toBe(403);
			const approval = await companion.api(approver, 'POST', `/api/v1/promotions/${id}/approve`, {});
			expect(approval.body.status).toBe('APPROVED');
		}
		const started = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/execute`);
		expect(started.status).toBe(202);
		await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${requester}`,
		});
		const job = (await companion.api(requester, 'GET', `/api/v1/jobs/${started.body.id}`)).body;
		const promotion = (await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body;
		return { job, promotion };
	}

	/** What runs in prod, per workflow: its content hash and whether it is active. */
	const prodState = async () =>
		new Map(
			(await prodClient.listWorkflows()).map((workflow) => [
				workflow.id,
				{ name: workflow.name, hash: contentHash(publishedView(workflow)), active: workflow.active },
			]),
		);

	const plan = (names: string[]) =>
		companion.api(requester, 'POST', '/api/v1/promotions/plan', {
			sourceEnvironmentId: devId,
			targetEnvironmentId: prodId,
			workflowIds: names.map((name) => devIds.get(name)!),
		});

	test(`${CORPUS_COUNT} corpus workflows, credentials by binding and by name, and a parent/child family go dev → prod`, async () => {
		const [devKey, prodKey, devVault, prodVault] = [
			await headerCredential(dev, 'ERP key'),
			await headerCredential(prod, 'ERP key'),
			await headerCredential(dev, 'Vault'),
			await headerCredential(prod, 'Vault (prod)'),
		];
		for (const { file, workflow } of corpusWorkflows()) {
			if (devIds.size >= CORPUS_COUNT) break;
			const name = `${workflow.name} (${file.slice(0, 8)})`;
			if (devIds.has(name)) continue;
			try {
				// Their credentials exist in neither instance: the ones remapped are the workflows' below.
				const nodes = workflow.nodes.map(({ credentials: _credentials, ...node }) => node);
				devIds.set(name, (await devClient.createWorkflow({ ...workflow, name, nodes })).id);
			} catch {
				// This n8n version refuses some of the corpus (see the n8n client e2e); those are not promoted.
			}
		}
		expect(devIds.size).toBe(CORPUS_COUNT);
		const corpusNames = [...devIds.keys()];
		const child = await editorCreate(dev, editorMadeWorkflow('Child', 'https://erp.example.com/child'));
		const parent = await editorCreate(dev, editorParentOf('Parent', child));
		const oldParent = await editorCreate(
			dev,
			editorParentOf('Old parent', child, { typeVersion: 1, errorWorkflow: false }),
		);
		const usesKey = await editorCreate(dev, editorMadeWorkflow('Uses key', 'https://erp.example.com', devKey));
		const usesVault = await editorCreate(dev, editorMadeWorkflow('Uses vault', 'https://vault.example.com', devVault));
		const heartbeat = await devClient.createWorkflow(scheduledWorkflow('Heartbeat'));
		for (const made of [parent, oldParent, usesKey, usesVault, heartbeat]) devIds.set(made.name, made.id);
		devIds.set('Child', child.id);
		for (const environmentId of [devId, prodId]) await syncAndFollow(companion, requester, environmentId);
		await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		const bound = await companion.api(requester, 'PUT', '/api/v1/credential-bindings', {
			sourceEnvironmentId: devId,
			sourceCredentialId: devVault.id,
			targetEnvironmentId: prodId,
			targetCredentialId: prodVault.id,
		});
		expect(bound.status).toBe(200);
		if (target.major === '1')
			// 1.x lists no credentials: the key's prod twin is said by a binding too.
			await companion.api(requester, 'PUT', '/api/v1/credential-bindings', {
				sourceEnvironmentId: devId,
				sourceCredentialId: devKey.id,
				targetEnvironmentId: prodId,
				targetCredentialId: prodKey.id,
			});

		const selection = [...corpusNames, 'Parent', 'Old parent', 'Uses key', 'Uses vault', 'Heartbeat'];
		const { job, promotion } = await promote(selection, { reason: 'first release' });
		expect([job.status, job.error]).toEqual(['succeeded', null]);
		expect(promotion.status).toBe('COMPLETED');
		const steps = promotion.execution.steps as Array<{ name: string; resultId: string; state: string }>;
		expect(steps).toHaveLength(CORPUS_COUNT + 6);
		expect(steps[0].name).toBe('Child');
		const prodIdOf = new Map(steps.map((step) => [step.name, step.resultId]));
		const read = (name: string) => prodClient.getWorkflow(prodIdOf.get(name)!);

		const prodChild = prodIdOf.get('Child')!;
		const prodParent = await read('Parent');
		expect(prodParent.nodes[0].parameters.workflowId).toMatchObject({
			value: prodChild,
			cachedResultUrl: `/workflow/${prodChild}`,
		});
		expect(prodParent.settings).toMatchObject({ errorWorkflow: prodChild });
		expect((await read('Old parent')).nodes[0].parameters.workflowId).toBe(prodChild);
		expect((await read('Uses key')).nodes[0].credentials).toEqual({
			httpHeaderAuth: { id: prodKey.id, name: 'ERP key' },
		});
		expect((await read('Uses vault')).nodes[0].credentials).toEqual({
			httpHeaderAuth: { id: prodVault.id, name: 'Vault (prod)' },
		});
		// No dev id survives anywhere in what was written.
		const written = JSON.stringify(await Promise.all([...prodIdOf.keys()].map(read)));
		for (const id of [child.id, devKey.id, devVault.id]) expect(written).not.toContain(`"${id}"`);
		// Created workflows are left inactive; each reads back with the content dev has.
		for (const name of corpusNames) {
			const [source, promoted] = [await devClient.getWorkflow(devIds.get(name)!), await read(name)];
			expect(promoted.active).toBe(false);
			expect(contentHash(await prodClient.writable(promoted))).toBe(
				contentHash(await prodClient.writable({ ...source, active: false })),
			);
		}

		// A second run plans every workflow UNCHANGED and has nothing to write.
		const again = await plan(selection);
		expect(again.body.summary).toMatchObject({ writes: 0, counts: { UNCHANGED: selection.length } });
		const nothing = await companion.api(requester, 'POST', '/api/v1/promotions', {
			sourceEnvironmentId: devId,
			targetEnvironmentId: prodId,
			workflowIds: selection.map((name) => devIds.get(name)!),
		});
		expect([nothing.status, nothing.body.error.message]).toEqual([
			422,
			'Nothing to promote: the target already has every selected workflow as the source has it',
		]);
		// prod's baseline took the promoted content: a drift check finds it in sync.
		const check = await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/drift-checks`, { wait: 30 });
		expect(check.body.check).toMatchObject({ status: 'IN_SYNC' });
	});

	test('a hand edit in prod blocks as TARGET_HOTFIX; an admin’s override goes through', async () => {
		const prodKeyFlow = (await prodClient.listWorkflows()).find((workflow) => workflow.name === 'Uses key')!;
		await editorUpdate(prod, prodKeyFlow.id, (workflow) => ({
			nodes: workflow.nodes.map((node) => ({
				...node,
				parameters: { ...node.parameters, url: 'https://hotfix.example.com' },
			})),
		}));
		await editorUpdate(dev, devIds.get('Uses key')!, (workflow) => ({
			nodes: workflow.nodes.map((node) => ({
				...node,
				parameters: { ...node.parameters, url: 'https://erp.example.com/v2' },
			})),
		}));
		const blocked = await plan(['Uses key']);
		expect(blocked.body.items[0]).toMatchObject({ status: 'TARGET_HOTFIX' });
		expect(blocked.body.blockers).toEqual([expect.objectContaining({ code: 'target_hotfix' })]);
		const { promotion } = await promote(['Uses key'], { overrideHotfixes: [prodKeyFlow.id] });
		expect(promotion.status).toBe('COMPLETED');
		expect((await prodClient.getWorkflow(prodKeyFlow.id)).nodes[0].parameters.url).toBe('https://erp.example.com/v2');
		const audit = await companion.api(
			requester,
			'GET',
			`/api/v1/audit?resourceId=${promotion.id}&action=promotion.request`,
		);
		expect(audit.body.data[0].metadata).toMatchObject({ overrideHotfixes: [prodKeyFlow.id] });
	});

	test('a write refused on the fifth workflow rolls back: prod is as before, what was created is gone', async () => {
		// Heartbeat runs in prod (published on 2.x): its update must leave it running what it ran.
		const prodHeartbeat = (await prodClient.listWorkflows()).find((workflow) => workflow.name === 'Heartbeat')!;
		await prodClient.setActive(prodHeartbeat.id, true);
		await syncAndFollow(companion, requester, prodId);
		await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		for (const name of ['Heartbeat', 'Uses vault'])
			await editorUpdate(dev, devIds.get(name)!, (workflow) => ({
				nodes: workflow.nodes.map((node) => ({ ...node, notes: 'now with notes' })),
			}));
		for (const name of ['New one', 'New two', 'New three']) {
			const made = await devClient.createWorkflow({ ...scheduledWorkflow(name) });
			devIds.set(name, made.id);
		}
		const before = await prodState();
		const prodVault = [...before].find(([, workflow]) => workflow.name === 'Uses vault')![0];
		// Three creates and Heartbeat's update land first; the update of Uses vault is refused.
		const proxy = await startFaultProxy(
			prod.baseUrl,
			(method, path) => method === 'PUT' && path.startsWith(`/api/v1/workflows/${prodVault}`),
		);
		await companion.api(requester, 'PATCH', `/api/v1/environments/${prodId}`, { baseUrl: proxy.url });
		try {
			const { job, promotion } = await promote(['Heartbeat', 'New one', 'New two', 'New three', 'Uses vault']);
			expect(promotion.execution.steps.map((step: any) => [step.name, step.state])).toEqual([
				['New one', 'undone'],
				['New three', 'undone'],
				['New two', 'undone'],
				['Heartbeat', 'undone'],
				['Uses vault', 'undone'],
			]);
			expect(job.error).toBe(
				`Promoting "Uses vault" failed: n8n "prod" answered with an error — HTTP 400: refused by the test proxy. Nothing was left changed in "prod".`,
			);
			expect(promotion).toMatchObject({ status: 'ROLLED_BACK', execution: { status: 'undone' } });
			expect(await prodState()).toEqual(before);
		} finally {
			await companion.api(requester, 'PATCH', `/api/v1/environments/${prodId}`, { baseUrl: prod.baseUrl });
			await proxy.close();
		}
	});

	test('the rollback of a completed promotion puts prod back as it was: created gone, updated restored and running', async () => {
		await syncAndFollow(companion, requester, prodId);
		await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		const before = await prodState();
		const { promotion } = await promote(['Heartbeat', 'New one']);
		expect(promotion.status).toBe('COMPLETED');
		const heartbeat = promotion.execution.steps.find((step: any) => step.name === 'Heartbeat').resultId;
		expect(await prodState()).not.toEqual(before);
		expect((await prodState()).get(heartbeat)).toMatchObject({ active: true });
		// It runs what was promoted (on 2.x: the promoted content is the published version).
		expect(contentHash(await prodClient.writable(publishedView(await prodClient.getWorkflow(heartbeat))))).toBe(
			contentHash(await prodClient.writable(await devClient.getWorkflow(devIds.get('Heartbeat')!))),
		);

		const started = await companion.api(requester, 'POST', `/api/v1/promotions/${promotion.id}/rollback`, {
			reason: 'bad release',
		});
		expect(started.status).toBe(202);
		await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${requester}`,
		});
		expect((await companion.api(requester, 'GET', `/api/v1/jobs/${started.body.id}`)).body.status).toBe('succeeded');
		expect(await prodState()).toEqual(before);
		expect((await companion.api(requester, 'GET', `/api/v1/promotions/${promotion.id}`)).body.status).toBe(
			'ROLLED_BACK',
		);
	});
});
