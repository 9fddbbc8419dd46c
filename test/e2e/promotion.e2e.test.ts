import { type Companion, startCompanion } from '../support/companion';
import { syncAndFollow } from '../support/jobs';
import { editorCreate, editorMadeWorkflow, editorParentOf, editorUpdate } from './harness/editor';
import { executeInN8n, nodeOutput } from './harness/execute';
import { headerCredential } from './harness/credentials';
import { type N8nInstance, startN8n } from './harness/instance';
import { packThisPackage } from './harness/package-tarball';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

let tarball: string;
beforeAll(() => {
	tarball = packThisPackage();
});

describe.each(selectedTargets())('promotions on n8n $version', (target) => {
	let dev: N8nInstance;
	let prod: N8nInstance;
	let companion: Companion;
	let admin: string;
	let devId: string;
	let prodId: string;

	beforeAll(async () => {
		[dev, prod, companion] = await Promise.all([
			startN8n({ target, name: 'promote-dev' }),
			// Our package is installed in prod, where the approval flow runs.
			startN8n({ target, name: 'promote-prod', packageTarball: tarball }),
			startCompanion(),
		]);
		admin = await companion.token('admin');
		devId = (
			await companion.environment(admin, { name: 'dev', baseUrl: dev.baseUrl, apiKey: dev.apiKey, class: 'dev' })
		).id;
		prodId = (await companion.environment(admin, { name: 'prod', baseUrl: prod.baseUrl, apiKey: prod.apiKey })).id;
	});
	afterAll(async () => {
		await Promise.all([dev?.stop(), prod?.stop()]);
		await companion?.close();
	});

	test('a plan carries credentials and sub-workflow references to the target, children first, and blocks only what it cannot carry', async () => {
		const devKey = await headerCredential(dev, 'ERP key');
		const prodKey = await headerCredential(prod, 'ERP key');
		await headerCredential(prod, 'Other key');
		// Made through n8n's own editor API: keys the public API refuses on write included.
		const child = await editorCreate(dev, editorMadeWorkflow('Child', 'https://erp.example.com/child'));
		const usesKey = await editorCreate(dev, editorMadeWorkflow('Uses key', 'https://erp.example.com', devKey));
		const parent = await editorCreate(dev, editorParentOf('Parent', child));
		for (const environmentId of [devId, prodId]) await syncAndFollow(companion, admin, environmentId);
		await companion.api(admin, 'POST', `/api/v1/environments/${prodId}/baseline`, {});

		const plan = () =>
			companion.api(admin, 'POST', '/api/v1/promotions/plan', {
				sourceEnvironmentId: devId,
				targetEnvironmentId: prodId,
				workflowIds: [parent.id, usesKey.id],
			});
		const first = await plan();
		expect(first.status).toBe(200);
		let body = first.body;
		if (target.major === '1') {
			// 1.x lists no credentials: prod's are known only from what its workflows use, and it has none.
			expect(body.blockers).toEqual([
				expect.objectContaining({
					code: 'credential_missing',
					message:
						'"Uses key", node "Call ERP": "prod" has no httpHeaderAuth credential named "ERP key": create it there, or bind the httpHeaderAuth credential "ERP key" to one it has',
				}),
			]);
			const bound = await companion.api(admin, 'PUT', '/api/v1/credential-bindings', {
				sourceEnvironmentId: devId,
				sourceCredentialId: devKey.id,
				targetEnvironmentId: prodId,
				targetCredentialId: prodKey.id,
			});
			expect(bound.status).toBe(200);
			({ body } = await plan());
		}
		expect(body.blockers).toEqual([]);
		expect(body.items.map((item: any) => [item.name, item.status, item.action, item.dependency])).toEqual([
			['Child', 'ADDED', 'create', true],
			['Parent', 'ADDED', 'create', false],
			['Uses key', 'ADDED', 'create', false],
		]);
		expect(body.items.find((item: any) => item.name === 'Uses key').substitutions).toEqual([
			{
				node: 'Call ERP',
				kind: 'credential',
				from: devKey.id,
				to: prodKey.id,
				how: target.major === '1' ? 'binding' : 'name',
			},
		]);
		expect(body.items.find((item: any) => item.name === 'Parent').substitutions).toEqual([
			expect.objectContaining({ node: 'settings.errorWorkflow', from: child.id, how: 'created_by_promotion' }),
			expect.objectContaining({ node: 'Run child', from: child.id, how: 'created_by_promotion' }),
		]);
		expect(body.items.find((item: any) => item.name === 'Uses key').warnings).toEqual(
			target.major === '1'
				? [
						`the node "Call ERP" is bound to credential ${prodKey.id}, which "prod" cannot list on its n8n version: make sure it exists there`,
					]
				: [],
		);
		expect((await plan()).body.planHash).toBe(body.planHash);
	});

	// n8n 1.x requires allowedHttpRequestDomains on a credential that declares no domain; 2.x refuses it.
	const restriction = target.major === '1' ? { allowedHttpRequestDomains: 'all' } : {};
	/** A WorkflowOps credential in prod's n8n, holding `apiToken`. */
	const companionCredential = async (name: string, apiToken: string) => {
		const response = await fetch(`${prod.baseUrl}/api/v1/credentials`, {
			method: 'POST',
			headers: { 'X-N8N-API-KEY': prod.apiKey, 'content-type': 'application/json' },
			body: JSON.stringify({
				name,
				type: 'workflowOpsApi',
				data: { baseUrl: companion.url, apiToken, ...restriction },
			}),
		});
		if (!response.ok) throw new Error(`credential: HTTP ${response.status} ${await response.text()}`);
		return { workflowOpsApi: { id: ((await response.json()) as { id: string }).id, name } };
	};

	test('an approval flow built in n8n: Promote → Request with one token, Approve with another admin’s, then Execute', async () => {
		const requesting = await companionCredential('Requester', await companion.token('developer'));
		const approving = await companionCredential('Approver', await companion.token('admin'));
		const usesKey = (await companion.api(admin, 'GET', `/api/v1/environments/${devId}/workflows?q=Uses%20key`)).body
			.data[0];
		const promote = (name: string, x: number, credentials: object, parameters: Record<string, unknown>) => ({
			id: name,
			name,
			type: 'n8n-nodes-workflowops.promote',
			typeVersion: 1,
			position: [x, 0],
			credentials,
			parameters,
		});
		const flowResponse = await fetch(`${prod.baseUrl}/api/v1/workflows`, {
			method: 'POST',
			headers: { 'X-N8N-API-KEY': prod.apiKey, 'content-type': 'application/json' },
			body: JSON.stringify({
				name: 'Approval flow',
				nodes: [
					{
						id: 'start',
						name: 'Start',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					promote('Request', 200, requesting, {
						operation: 'request',
						sourceEnvironmentId: { __rl: true, mode: 'name', value: 'dev' },
						targetEnvironmentId: { __rl: true, mode: 'list', value: prodId },
						selection: 'ids',
						workflowIds: usesKey.id,
						options: { reason: 'release from n8n' },
					}),
					promote('Approve', 400, approving, {
						operation: 'approve',
						promotionId: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
						comment: 'approved in Slack',
						decidedBy: 'dana@example.com',
					}),
					promote('Execute', 600, approving, {
						operation: 'execute',
						promotionId: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					}),
				],
				connections: {
					Start: { main: [[{ node: 'Request', type: 'main', index: 0 }]] },
					Request: { main: [[{ node: 'Approve', type: 'main', index: 0 }]] },
					Approve: { main: [[{ node: 'Execute', type: 'main', index: 0 }]] },
				},
				settings: { executionOrder: 'v1' },
			}),
		});
		const flow = (await flowResponse.json()) as { id: string };
		expect(flowResponse.status).toBe(200);
		// The flow is a workflow of prod too: approved, so it is not drift that blocks the promotion.
		await companion.api(admin, 'POST', `/api/v1/environments/${prodId}/baseline`, {});

		const run = await executeInN8n(prod, flow.id);

		const [requested] = nodeOutput(run, 'Request');
		expect(requested).toMatchObject({ status: 'PENDING_APPROVAL', reason: 'release from n8n' });
		expect(nodeOutput(run, 'Approve')).toEqual([
			expect.objectContaining({
				id: requested.id,
				status: 'APPROVED',
				decisions: [expect.objectContaining({ decidedBy: 'dana@example.com', comment: 'approved in Slack' })],
			}),
		]);
		const [executed] = nodeOutput(run, 'Execute');
		expect(executed).toMatchObject({ id: requested.id, status: 'COMPLETED', execution: { status: 'applied' } });
		const written = (executed.execution as { steps: Array<{ resultId: string }> }).steps[0].resultId;
		const inProd = (await (
			await fetch(`${prod.baseUrl}/api/v1/workflows/${written}`, { headers: { 'X-N8N-API-KEY': prod.apiKey } })
		).json()) as { name: string };
		expect(inProd.name).toBe('Uses key');
		const audit = await companion.api(
			admin,
			'GET',
			`/api/v1/audit?resourceId=${String(requested.id)}&action=promotion.approve`,
		);
		expect(audit.body.data[0]).toMatchObject({
			action: 'promotion.approve',
			metadata: { decidedBy: 'dana@example.com' },
			n8n: { workflowId: flow.id },
		});
	});

	test('the approval flow, end to end: a request makes the WorkflowOps Trigger run Promote → Approve in n8n', async () => {
		const approving = await companionCredential('Approver on call', await companion.token('admin'));
		const listener = (await (
			await fetch(`${prod.baseUrl}/api/v1/workflows`, {
				method: 'POST',
				headers: { 'X-N8N-API-KEY': prod.apiKey, 'content-type': 'application/json' },
				body: JSON.stringify({
					name: 'Approve promotions',
					settings: { executionOrder: 'v1' },
					nodes: [
						{
							id: 'asked',
							name: 'Approval asked',
							type: 'n8n-nodes-workflowops.workflowOpsTrigger',
							typeVersion: 1,
							position: [0, 0],
							webhookId: 'a7e2c1d0-5b4f-4e3a-9c2d-workflowops02',
							parameters: { events: ['promotion.approval_requested'] },
							credentials: approving,
						},
						{
							id: 'approve',
							name: 'Approve',
							type: 'n8n-nodes-workflowops.promote',
							typeVersion: 1,
							position: [200, 0],
							credentials: approving,
							parameters: {
								operation: 'approve',
								promotionId: { __rl: true, mode: 'id', value: '={{ $json.data.promotion.id }}' },
								comment: 'approved by the on-call flow',
								decidedBy: 'on-call',
							},
						},
					],
					connections: { 'Approval asked': { main: [[{ node: 'Approve', type: 'main', index: 0 }]] } },
				}),
			})
		).json()) as { id: string };
		const activated = await fetch(`${prod.baseUrl}/api/v1/workflows/${listener.id}/activate`, {
			method: 'POST',
			headers: { 'X-N8N-API-KEY': prod.apiKey },
		});
		expect(activated.status).toBe(200);
		for (let i = 0; i < 50; i++) {
			const { data } = (await companion.api(admin, 'GET', '/api/v1/webhooks')).body;
			if (data.some((subscription: any) => subscription.events.includes('promotion.approval_requested'))) break;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		await companion.api(admin, 'POST', `/api/v1/environments/${prodId}/baseline`, {});
		const usesKey = (await companion.api(admin, 'GET', `/api/v1/environments/${devId}/workflows?q=Uses%20key`)).body
			.data[0];
		// The approval flow above promoted it: a new change in dev makes another promotion.
		await editorUpdate(dev, usesKey.id, (workflow) => ({
			nodes: workflow.nodes.map((node) => ({ ...node, notes: 'second release' })),
		}));

		const requested = await companion.api(await companion.token('developer'), 'POST', '/api/v1/promotions', {
			sourceEnvironmentId: devId,
			targetEnvironmentId: prodId,
			workflowIds: [usesKey.id],
			reason: 'approved on call',
		});
		expect(requested.body.status).toBe('PENDING_APPROVAL');

		let promotion: any;
		for (let i = 0; i < 100 && promotion?.status !== 'APPROVED'; i++) {
			promotion = (await companion.api(admin, 'GET', `/api/v1/promotions/${requested.body.id}`)).body;
			if (promotion.status !== 'APPROVED') await new Promise((resolve) => setTimeout(resolve, 200));
		}
		expect(promotion).toMatchObject({
			status: 'APPROVED',
			decisions: [expect.objectContaining({ decidedBy: 'on-call', comment: 'approved by the on-call flow' })],
		});
	});
});
