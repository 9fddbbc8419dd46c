import { hasUnpublishedDraft, publishedView } from '../../service/domain/drift/published';
import { contentHash } from '../../service/domain/workflows/normalize';
import { N8nClient } from '../../service/n8n/client';
import type { WorkflowInput } from '../../service/n8n/workflow-body';
import { type Companion, startCompanion, contentRulesAsWarnings } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { scheduledWorkflow } from '../support/workflows';
import { editorCreate, editorMadeWorkflow, editorParentOf, editorUpdate } from './harness/editor';
import { startFaultProxy } from './harness/fault-proxy';
import { credentialOfType, headerCredential } from './harness/credentials';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(900_000);

const CORPUS_COUNT = 40;
const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

type Credential = { id: string; name: string };
/** How a corpus node names a credential: by id and name, or by name alone (older exports). */
type CorpusRef = string | { id?: string; name: string };
interface CredentialPair {
	type: string;
	credential: Credential;
	twin: Credential;
	/** Its twin has another name, and a binding says so. */
	bound: boolean;
}

/** A prod workflow that uses these credentials, one node each, so that n8n 1.x's API makes them known. */
const usingCredentials = (pairs: CredentialPair[]): WorkflowInput => ({
	name: 'Credentials in use',
	nodes: pairs.map(({ type, twin }, i) => ({
		id: `uses-${i}`,
		name: `Uses ${twin.name} (${type})`,
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [i * 220, 0],
		parameters: {},
		credentials: { [type]: twin },
	})),
	connections: {},
	settings: { executionOrder: 'v1' },
});

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
		// Real-world workflows carry literal Authorization headers and plain HTTP: promoted here all the same.
		await contentRulesAsWarnings(companion, requester);
	});
	afterAll(async () => {
		await Promise.all([dev?.stop(), prod?.stop()]);
		await companion?.close();
	});

	/** Requests the promotion of `names` (dev workflows), has another admin approve it, and runs it. */
	const promote = (names: string[], extra: object = {}) =>
		promoteAsked({
			sourceEnvironmentId: devId,
			targetEnvironmentId: prodId,
			workflowIds: names.map((name) => devIds.get(name)!),
			...extra,
		});

	async function promoteAsked(request: object) {
		const requested = await companion.api(requester, 'POST', '/api/v1/promotions', request);
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

	/**
	 * The credentials corpus workflows name, made in dev as they name them, each with its prod twin:
	 * by turns of the same name (found by type and name) and of another name, bound.
	 */
	function corpusCredentials() {
		const pairs = new Map<string, CredentialPair>();
		const twinOf = new Map<string, Credential>();
		const withCredentials = (workflow: WorkflowInput, credential: (type: string, ref: CorpusRef) => Credential) => ({
			...workflow,
			nodes: workflow.nodes.map((node) => {
				const refs = node.credentials as Record<string, CorpusRef> | undefined;
				if (!refs) return node;
				return {
					...node,
					credentials: Object.fromEntries(Object.entries(refs).map(([type, ref]) => [type, credential(type, ref)])),
				};
			}),
		});
		const keyOf = (type: string, ref: CorpusRef) => `${type}\n${typeof ref === 'string' ? ref : ref.name}`;
		return {
			get byName() {
				return [...pairs.values()].filter((pair) => !pair.bound);
			},
			get byBinding() {
				return [...pairs.values()].filter((pair) => pair.bound);
			},
			/** The workflow naming its dev credentials, made here when new. */
			async inDev(workflow: WorkflowInput): Promise<WorkflowInput> {
				for (const node of workflow.nodes)
					for (const [type, ref] of Object.entries((node.credentials ?? {}) as Record<string, CorpusRef>)) {
						const key = keyOf(type, ref);
						if (pairs.has(key)) continue;
						const name = typeof ref === 'string' ? ref : ref.name;
						const bound = pairs.size % 2 === 1;
						const credential = await credentialOfType(dev, type, name);
						const twin = await credentialOfType(prod, type, bound ? `${name} (prod)` : name);
						pairs.set(key, { type, credential, twin, bound });
						twinOf.set(credential.id, twin);
					}
				return withCredentials(workflow, (type, ref) => pairs.get(keyOf(type, ref))!.credential);
			},
			/** The dev workflow as prod should have it: its credentials replaced by their twins. */
			inProd: (workflow: WorkflowInput) =>
				withCredentials(
					workflow,
					(_type, ref) => (typeof ref !== 'string' && twinOf.get(ref.id!)) || (ref as Credential),
				),
		};
	}

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
		const corpus = corpusCredentials();
		for (const { file, workflow } of corpusWorkflows()) {
			if (devIds.size >= CORPUS_COUNT) break;
			const name = `${workflow.name} (${file.slice(0, 8)})`;
			if (devIds.has(name)) continue;
			try {
				devIds.set(name, (await devClient.createWorkflow({ ...(await corpus.inDev(workflow)), name })).id);
			} catch {
				// This n8n version refuses some of the corpus (see the n8n client e2e), or has no credential type
				// one of them names; those are not promoted.
			}
		}
		expect(devIds.size).toBe(CORPUS_COUNT);
		// On 1.x, which lists no credentials, prod's are known from the workflows that use them.
		if (target.major === '1') await prodClient.createWorkflow(usingCredentials(corpus.byName));
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
		const bindings = [
			{ credential: devVault, twin: prodVault },
			...corpus.byBinding,
			// 1.x lists no credentials: the key's prod twin is said by a binding too.
			...(target.major === '1' ? [{ credential: devKey, twin: prodKey }] : []),
		];
		for (const { credential, twin } of bindings) {
			const bound = await companion.api(requester, 'PUT', '/api/v1/credential-bindings', {
				sourceEnvironmentId: devId,
				sourceCredentialId: credential.id,
				targetEnvironmentId: prodId,
				targetCredentialId: twin.id,
			});
			expect(bound.status).toBe(200);
		}

		const selection = [...corpusNames, 'Parent', 'Old parent', 'Uses key', 'Uses vault', 'Heartbeat'];
		const planned = await plan(selection);
		expect(planned.body.blockers).toEqual([]);
		const remapped = (
			planned.body.items as Array<{ substitutions: Array<{ kind: string; from: string; how: string }> }>
		)
			.flatMap((item) => item.substitutions)
			.filter((substitution) => substitution.kind === 'credential');
		const remappedBy = (how: string) =>
			new Set(remapped.filter((substitution) => substitution.how === how).map((substitution) => substitution.from));
		expect(remappedBy('name').size).toBeGreaterThanOrEqual(5);
		expect(remappedBy('binding').size).toBeGreaterThanOrEqual(5);
		console.log(
			`n8n ${target.version}: ${CORPUS_COUNT} corpus workflows, their credentials ${remappedBy('name').size} found ` +
				`by type and name and ${remappedBy('binding').size} bound, in ${remapped.length} node references`,
		);
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
		for (const { credential } of [...corpus.byName, ...corpus.byBinding])
			expect(written).not.toContain(`"${credential.id}"`);
		// Created workflows are left inactive; each reads back with the content dev has, its prod credentials in.
		for (const name of corpusNames) {
			const [source, promoted] = [await devClient.getWorkflow(devIds.get(name)!), await read(name)];
			expect(promoted.active).toBe(false);
			expect(contentHash(await prodClient.writable(promoted))).toBe(
				contentHash(await prodClient.writable({ ...corpus.inProd(source), active: false })),
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

		// dev's credentials, each with the workflows that use it: n8n's list on 2.x, what workflows name on 1.x.
		const credentials = (await companion.api(requester, 'GET', `/api/v1/environments/${devId}/credentials`)).body;
		expect(credentials.listed).toBe(target.major === '2');
		const vault = credentials.credentials.find((credential: { id: string }) => credential.id === devVault.id);
		expect(vault).toMatchObject({ name: 'Vault', type: 'httpHeaderAuth', missing: false });
		expect(vault.workflows.map((workflow: { id: string }) => workflow.id)).toEqual([devIds.get('Uses vault')]);
		const matrix = (await companion.api(requester, 'GET', '/api/v1/credentials')).body;
		const vaultRow = matrix.rows.find((row: { name: string }) => row.name === 'Vault');
		expect(vaultRow.bindings).toEqual([expect.objectContaining({ targetCredentialId: prodVault.id })]);
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
		// Heartbeat runs in prod (published on 2.x): its update must leave it running what it ran. On 2.x
		// someone has saved a draft of it since, unpublished: the undo must not publish it (the public API
		// publishes what it writes to a running workflow, so the draft stays only in the safety snapshot).
		const prodHeartbeat = (await prodClient.listWorkflows()).find((workflow) => workflow.name === 'Heartbeat')!;
		await prodClient.setActive(prodHeartbeat.id, true);
		await syncAndFollow(companion, requester, prodId);
		await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		if (target.major === '2')
			await editorUpdate(prod, prodHeartbeat.id, (workflow) => ({
				nodes: workflow.nodes.map((node) => ({ ...node, notes: 'draft in progress' })),
			}));
		if (target.major === '2') expect(hasUnpublishedDraft(await prodClient.getWorkflow(prodHeartbeat.id))).toBe(true);
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
			expect(hasUnpublishedDraft(await prodClient.getWorkflow(prodHeartbeat.id))).toBe(false);
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

	test('a stage that archives deletions unpublishes and deletes what dev no longer has; its rollback brings it back running', async () => {
		const retired = await devClient.createWorkflow(scheduledWorkflow('Retired'));
		await syncAndFollow(companion, requester, devId);
		await syncAndFollow(companion, requester, prodId);
		await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		// Everything dev has goes first, so that the one difference left is what dev deletes.
		const everything = await promoteAsked({
			sourceEnvironmentId: devId,
			targetEnvironmentId: prodId,
			changedOnly: true,
		});
		expect(everything.promotion.status).toBe('COMPLETED');
		const prodRetired = everything.promotion.execution.steps.find((step: any) => step.name === 'Retired').resultId;
		await prodClient.setActive(prodRetired, true);
		await syncAndFollow(companion, requester, prodId);
		await companion.api(requester, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		const identity = async () =>
			(await companion.api(requester, 'GET', `/api/v1/environments/${prodId}/workflows?q=Retired`)).body.data.find(
				(row: { name: string }) => row.name === 'Retired',
			);
		const { canonicalId } = await identity();
		const before = await prodState();
		await devClient.deleteWorkflow(retired.id);
		await syncAndFollow(companion, requester, devId);

		const pipeline = await companion.api(requester, 'POST', '/api/v1/pipelines', {
			name: 'archiving',
			stages: [{ sourceEnvironmentId: devId, targetEnvironmentId: prodId, deletions: 'archive' }],
		});
		const { job, promotion } = await promoteAsked({ pipelineId: pipeline.body.id, stage: 0, changedOnly: true });
		expect([job.status, job.error]).toEqual(['succeeded', null]);
		expect(promotion.execution.steps.map((step: any) => [step.action, step.name])).toEqual([['delete', 'Retired']]);
		expect((await prodState()).has(prodRetired)).toBe(false);

		const started = await companion.api(requester, 'POST', `/api/v1/promotions/${promotion.id}/rollback`, {});
		await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${requester}`,
		});
		// Back under a new id (n8n gives no id twice), running what it ran, with the same identity.
		const after = await prodState();
		expect([...after.values()].sort(byName)).toEqual([...before.values()].sort(byName));
		expect(await identity()).toMatchObject({ canonicalId, id: expect.not.stringMatching(`^${prodRetired}$`) });
	});
});
