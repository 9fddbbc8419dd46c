import fs from 'node:fs';
import path from 'node:path';
import { N8nClient } from '../../service/n8n/client';
import { type Companion, startCompanion } from '../support/companion';
import { closedPort } from '../support/fake-n8n';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { webhookWorkflow } from '../support/workflows';
import { editorCreate, editorHttpNode } from './harness/editor';
import { executeInN8n, nodeOutput } from './harness/execute';
import { type N8nInstance, PACKAGE_NAME, startN8n } from './harness/instance';
import { packThisPackage } from './harness/package-tarball';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

const NODE_TYPE = 'n8n-nodes-workflowops.auditLog';
let tarball: string;

beforeAll(() => {
	tarball = packThisPackage();
});

describe.each(selectedTargets())('our package inside n8n $version', (target) => {
	let n8n: N8nInstance;
	let companion: Companion;
	let admin: string;
	let credentialId: string;
	/** An environment on this n8n whose baseline was approved while it held no workflow at all. */
	let approvedEmpty: { id: string };

	const n8nApi = async (method: string, path: string, body?: unknown) => {
		const response = await fetch(`${n8n.baseUrl}/api/v1${path}`, {
			method,
			headers: { 'X-N8N-API-KEY': n8n.apiKey, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = (await response.json()) as any;
		if (!response.ok) throw new Error(`n8n ${method} ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
		return json;
	};

	// n8n 2.x registers and removes a published workflow's webhooks just after answering.
	const subscribed = async (count: number) => {
		for (let i = 0; i < 50; i++) {
			const { data } = (await companion.api(admin, 'GET', '/api/v1/webhooks')).body;
			if (data.length === count) return data;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		throw new Error(`the companion does not have ${count} webhook subscriptions`);
	};

	/** An active workflow's first successful run, with its data, waited for. */
	const firstRunOf = async (workflowId: string) => {
		for (let i = 0; i < 100; i++) {
			const { data } = await n8nApi('GET', `/executions?workflowId=${workflowId}&includeData=true`);
			const execution = data.find((candidate: any) => candidate.finished || candidate.status === 'success');
			if (execution) return execution;
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		throw new Error(`workflow ${workflowId} did not run`);
	};

	/** A WorkflowOps Trigger on `events`, then a No Op. */
	const listenerWorkflow = (name: string, webhookId: string, events: string[]) => ({
		name,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'trigger',
				name,
				type: 'n8n-nodes-workflowops.workflowOpsTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters: { events },
				credentials: { workflowOpsApi: { id: credentialId, name: 'WorkflowOps companion' } },
			},
			{ id: 'done', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} },
		],
		connections: { [name]: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
	});

	/** A workflow whose one node, `nodeName`, is an HTTP Request to `url`. */
	const oneHttpCall = (name: string, nodeName: string, url: string) => ({
		name,
		nodes: [
			{
				id: 'h',
				name: nodeName,
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [0, 0],
				parameters: { url },
			},
		],
		connections: {},
		settings: {},
	});

	/** Start → `node` → IF (risk is HIGH) → "High risk" / "Not high". */
	const riskGate = (name: string, node: { name: string; type: string; typeVersion?: number; parameters: object }) => {
		const noOp = (noOpName: string, y: number) => ({
			id: noOpName,
			name: noOpName,
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [600, y],
			parameters: {},
		});
		return {
			name,
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: 'start',
					name: 'Start',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 'governance',
					typeVersion: 1,
					position: [200, 0],
					credentials: { workflowOpsApi: { id: credentialId, name: 'WorkflowOps companion' } },
					...node,
				},
				{
					id: 'if',
					name: 'Is HIGH',
					type: 'n8n-nodes-base.if',
					typeVersion: 1,
					position: [400, 0],
					parameters: { conditions: { string: [{ value1: '={{ $json.risk }}', value2: 'HIGH' }] } },
				},
				noOp('High risk', -100),
				noOp('Not high', 100),
			],
			connections: {
				Start: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
				[node.name]: { main: [[{ node: 'Is HIGH', type: 'main', index: 0 }]] },
				'Is HIGH': {
					main: [[{ node: 'High risk', type: 'main', index: 0 }], [{ node: 'Not high', type: 'main', index: 0 }]],
				},
			},
		};
	};

	/** `node` found the hand-edited workflow MODIFIED at HIGH risk, and the IF took the HIGH branch alone. */
	const expectHighBranch = (
		run: Awaited<ReturnType<typeof executeInN8n>>,
		node: string,
		workflowId: string,
		reason: string,
	) => {
		expect(nodeOutput(run, node)).toEqual([
			expect.objectContaining({ workflowId, status: 'MODIFIED', risk: 'HIGH', reasons: [reason] }),
		]);
		expect(nodeOutput(run, 'High risk')).toEqual([expect.objectContaining({ workflowId })]);
		expect(run.data.resultData.runData['Not high']).toBeUndefined();
	};

	beforeAll(async () => {
		[n8n, companion] = await Promise.all([
			startN8n({ target, name: 'nodes', packageTarball: tarball }),
			startCompanion(),
		]);
		admin = await companion.token('admin');
		approvedEmpty = await companion.environment(admin, {
			name: 'approved empty',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		const baseline = await companion.api(admin, 'POST', `/api/v1/environments/${approvedEmpty.id}/baseline`, {});
		if (baseline.status !== 200 || baseline.body.workflows.length !== 0)
			throw new Error(`the empty baseline: HTTP ${baseline.status} ${JSON.stringify(baseline.body)}`);
	});
	afterAll(async () => {
		await n8n?.stop();
		await companion?.close();
	});

	test('installed as n8n installs a community package, it brings nothing but itself', () => {
		const nodeModules = path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules');
		expect(fs.readdirSync(nodeModules)).toEqual([PACKAGE_NAME]);
		const installed = path.join(nodeModules, PACKAGE_NAME);
		expect(fs.existsSync(path.join(installed, 'node_modules'))).toBe(false);
		const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
		expect(manifest.dependencies).toBeUndefined();
		expect(fs.readdirSync(path.join(installed, 'dist')).sort()).toEqual(['credentials', 'nodes']);
	});

	test('n8n lists our node and credential types, as a community package', async () => {
		const nodes = (await (
			await fetch(`${n8n.baseUrl}/types/nodes.json`, { headers: { cookie: n8n.cookie } })
		).json()) as Array<{ name: string }>;
		expect(nodes.map((node) => node.name)).toEqual(
			expect.arrayContaining([NODE_TYPE, 'n8n-nodes-workflowops.snapshot', 'n8n-nodes-workflowops.driftCheck']),
		);
		const credentials = (await (
			await fetch(`${n8n.baseUrl}/types/credentials.json`, { headers: { cookie: n8n.cookie } })
		).json()) as Array<{
			name: string;
		}>;
		expect(credentials.map((credential) => credential.name)).toContain('workflowOpsApi');
	});

	test('a WorkflowOps credential pointing at the companion is accepted by n8n', async () => {
		// n8n 1.x adds a domain restriction to every credential's schema and, through a faulty `if`,
		// requires allowedDomains unless allowedHttpRequestDomains is sent; 2.x refuses that field.
		const restriction = target.major === '1' ? { allowedHttpRequestDomains: 'all' } : {};
		const credential = await n8nApi('POST', '/credentials', {
			name: 'WorkflowOps companion',
			type: 'workflowOpsApi',
			data: { baseUrl: companion.url, apiToken: admin, ...restriction },
		});
		credentialId = credential.id;
		expect(credential).toMatchObject({ name: 'WorkflowOps companion', type: 'workflowOpsApi' });
	});

	test('n8n’s credential test says what to fix: the token, the URL, or nothing listening there', async () => {
		const testCredential = async (data: { baseUrl: string; apiToken: string }) => {
			const response = await fetch(`${n8n.baseUrl}/rest/credentials/test`, {
				method: 'POST',
				headers: { cookie: n8n.cookie, 'content-type': 'application/json' },
				// As the editor's Test button sends it: the saved credential, with the values typed in the form.
				body: JSON.stringify({
					credentials: { id: credentialId, name: 'WorkflowOps companion', type: 'workflowOpsApi', data },
				}),
			});
			if (!response.ok) throw new Error(`credential test: HTTP ${response.status} ${await response.text()}`);
			return ((await response.json()) as { data: { status: string; message: string } }).data;
		};
		const port = await closedPort();
		const cases: Array<[{ baseUrl: string; apiToken: string }, string, RegExp]> = [
			[{ baseUrl: companion.url, apiToken: admin }, 'OK', /^Connected as .+ \(admin\)$/],
			[{ baseUrl: companion.url, apiToken: 'wfo_wrong' }, 'Error', /does not know this API token/],
			[{ baseUrl: `${companion.url}/api/v1`, apiToken: admin }, 'Error', /without \/api\/v1/],
			[
				{ baseUrl: n8n.baseUrl, apiToken: admin },
				'Error',
				/does not answer as the WorkflowOps companion.*not an n8n URL/,
			],
			[
				{ baseUrl: `http://127.0.0.1:${port}`, apiToken: admin },
				'Error',
				/^Nothing listens at http:\/\/127\.0\.0\.1:\d+/,
			],
		];
		for (const [data, status, message] of cases) {
			const result = await testCredential(data);
			expect({ url: data.baseUrl, ...result }).toEqual({
				url: data.baseUrl,
				status,
				message: expect.stringMatching(message),
			});
		}
	});

	test('Manual Trigger → Write → Query → Verify Chain runs inside n8n against the companion', async () => {
		const credentials = { workflowOpsApi: { id: credentialId, name: 'WorkflowOps companion' } };
		const node = (name: string, x: number, parameters: Record<string, unknown>) => ({
			id: name,
			name,
			type: NODE_TYPE,
			typeVersion: 1,
			position: [x, 0],
			parameters,
			credentials,
		});
		const workflow = await n8nApi('POST', '/workflows', {
			name: 'Audit from n8n',
			settings: { executionOrder: 'v1' },
			nodes: [
				{
					id: 'start',
					name: 'Start',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				node('Write', 200, {
					operation: 'write',
					action: 'release.shipped',
					additionalFields: { resourceType: 'workflow', resourceId: 'wf-9', metadata: '{"build": 41}' },
				}),
				node('Query', 400, {
					operation: 'query',
					returnAll: false,
					limit: 10,
					filters: { action: 'custom.release.*' },
				}),
				{ ...node('Verify', 600, { operation: 'verify' }), executeOnce: true },
			],
			connections: {
				Start: { main: [[{ node: 'Write', type: 'main', index: 0 }]] },
				Write: { main: [[{ node: 'Query', type: 'main', index: 0 }]] },
				Query: { main: [[{ node: 'Verify', type: 'main', index: 0 }]] },
			},
		});

		const run = await executeInN8n(n8n, workflow.id);

		const [written] = nodeOutput(run, 'Write');
		expect(written).toMatchObject({
			action: 'custom.release.shipped',
			resourceType: 'workflow',
			resourceId: 'wf-9',
			metadata: { build: 41 },
			n8n: { workflowId: workflow.id, executionId: expect.any(String) },
			actor: { type: 'token' },
		});
		const queried = nodeOutput(run, 'Query');
		expect(queried).toHaveLength(1);
		expect(queried[0].id).toBe(written.id);
		expect(nodeOutput(run, 'Verify')).toEqual([{ valid: true, checked: expect.any(Number) }]);

		const stored = await companion.api(admin, 'GET', '/api/v1/audit?action=custom.release.shipped');
		expect(stored.body.data).toHaveLength(1);
		expect(stored.body.data[0]).toMatchObject({
			id: written.id,
			n8n: { workflowId: workflow.id },
			userAgent: expect.stringMatching(/n8n/i),
		});
	});

	test('Manual Trigger → Snapshot Compare → IF (risk is HIGH) takes the HIGH branch for a hand-edited URL', async () => {
		const target = await n8nApi('POST', '/workflows', oneHttpCall('ERP sync', 'Call ERP', 'https://erp.example.com'));
		const environment = await companion.environment(admin, {
			name: 'this n8n',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		const snapshot = (
			await companion.api(admin, 'POST', '/api/v1/snapshots', {
				environmentId: environment.id,
				workflowIds: [target.id],
			})
		).body;
		await n8nApi('PUT', `/workflows/${target.id}`, oneHttpCall('ERP sync', 'Call ERP', 'https://evil.example.com'));

		// Version 1 (six operations, no resource) as existing workflows hold it, the snapshot a bare id;
		// version 2 (resources), the snapshot picked by the URL of its page in the companion.
		const snapshotUrl = { __rl: true, mode: 'url', value: `${companion.url}/snapshots/${snapshot.id}` };
		for (const version of [
			{ typeVersion: 1, snapshotId: snapshot.id },
			{ typeVersion: 2, resource: 'snapshot', snapshotId: snapshotUrl },
		]) {
			const { typeVersion, ...picked } = version;
			const workflow = await n8nApi(
				'POST',
				'/workflows',
				riskGate(`Snapshot drift gate v${typeVersion}`, {
					name: 'Compare',
					type: 'n8n-nodes-workflowops.snapshot',
					typeVersion,
					parameters: {
						...picked,
						operation: 'compare',
						against: 'live',
						includeDiff: false,
						onlyDifferences: true,
					},
				}),
			);

			const run = await executeInN8n(n8n, workflow.id);

			expectHighBranch(run, 'Compare', target.id, 'HIGH http: Call ERP');
		}
	});

	test('Manual Trigger → Drift Check (drifted workflows) → IF (risk is HIGH) takes the HIGH branch for a hand-edited URL', async () => {
		const payments = await n8nApi('POST', '/workflows', oneHttpCall('Payments', 'Charge', 'https://pay.example.com'));
		const environment = await companion.environment(admin, {
			name: 'drift watch',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		const gate = await n8nApi(
			'POST',
			'/workflows',
			riskGate('Drift gate', {
				name: 'Check',
				type: 'n8n-nodes-workflowops.driftCheck',
				parameters: {
					resource: 'environment',
					operation: 'check',
					environmentId: { __rl: true, mode: 'list', value: environment.id },
					output: 'drifted',
				},
			}),
		);
		await companion.api(admin, 'POST', `/api/v1/environments/${environment.id}/baseline`, {});
		await n8nApi('PUT', `/workflows/${payments.id}`, oneHttpCall('Payments', 'Charge', 'https://evil.example.com'));

		const run = await executeInN8n(n8n, gate.id);

		expectHighBranch(run, 'Check', payments.id, 'HIGH http: Charge');
		const incidents = await companion.api(admin, 'GET', `/api/v1/incidents?environmentId=${environment.id}`);
		expect(incidents.body.data).toEqual([expect.objectContaining({ status: 'OPEN', severity: 'critical' })]);
	});

	test('Drift Check → IF (status is ADDED) over a baseline approved empty takes the drift branch once a workflow appears, and an incident opens', async () => {
		const appeared = await n8nApi('POST', '/workflows', oneHttpCall('Appeared', 'Call', 'https://new.example.com'));
		const gate = riskGate('Empty baseline gate', {
			name: 'Check',
			type: 'n8n-nodes-workflowops.driftCheck',
			// By name, as an AI agent would give it.
			parameters: {
				resource: 'environment',
				operation: 'check',
				environmentId: { __rl: true, mode: 'name', value: 'Approved Empty' },
				output: 'drifted',
			},
		});
		const isAdded = gate.nodes.find((node) => node.name === 'Is HIGH')!;
		isAdded.parameters = { conditions: { string: [{ value1: '={{ $json.status }}', value2: 'ADDED' }] } };
		const created = await n8nApi('POST', '/workflows', gate);

		const run = await executeInN8n(n8n, created.id);

		expect(nodeOutput(run, 'Check')).toEqual(
			expect.arrayContaining([expect.objectContaining({ workflowId: appeared.id, status: 'ADDED' })]),
		);
		expect(nodeOutput(run, 'High risk')).toEqual(
			expect.arrayContaining([expect.objectContaining({ workflowId: appeared.id })]),
		);
		expect(run.data.resultData.runData['Not high']).toBeUndefined();
		const incidents = await companion.api(admin, 'GET', `/api/v1/incidents?environmentId=${approvedEmpty.id}`);
		expect(incidents.body.data).toEqual([expect.objectContaining({ status: 'OPEN' })]);
	});

	test('an active workflow starting with the WorkflowOps Trigger subscribes itself and runs when the companion emits drift.detected', async () => {
		const client = new N8nClient({ name: 'nodes', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const listener = await n8nApi(
			'POST',
			'/workflows',
			listenerWorkflow('On drift', 'c6f1e7f4-3c1e-4d0b-9a43-workflowops01', ['drift.detected']),
		);
		await client.setActive(listener.id, true);
		const subscriptions = await subscribed(1);
		expect(subscriptions).toEqual([
			expect.objectContaining({ url: expect.stringContaining(`${n8n.baseUrl}/webhook/`), events: ['drift.detected'] }),
		]);

		const watched = await n8nApi('POST', '/workflows', oneHttpCall('Watched', 'Fetch', 'https://a.example.com'));

		const environment = await companion.environment(admin, {
			name: 'trigger watch',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		await companion.api(admin, 'POST', `/api/v1/environments/${environment.id}/baseline`, {});
		await n8nApi('PUT', `/workflows/${watched.id}`, oneHttpCall('Watched', 'Fetch', 'https://b.example.com'));

		const check = (await companion.api(admin, 'POST', `/api/v1/environments/${environment.id}/drift-checks`)).body;
		expect(check.incident.kind).toBe('opened');

		const execution = await firstRunOf(listener.id);
		const [event] = execution.data.resultData.runData['On drift'][0].data.main[0].map((item: any) => item.json);
		expect(event).toMatchObject({
			type: 'drift.detected',
			data: {
				environment: { id: environment.id },
				incident: { id: check.incident.incident.id, severity: 'critical' },
				workflows: [expect.objectContaining({ workflowId: watched.id, risk: 'HIGH' })],
			},
		});
		const [delivery] = (await companion.api(admin, 'GET', `/api/v1/webhooks/${subscriptions[0].id}/deliveries`)).body
			.data;
		expect(delivery).toMatchObject({ eventType: 'drift.detected', status: 'succeeded', responseStatus: 200 });

		await client.setActive(listener.id, false);
		expect(await subscribed(0)).toEqual([]);
	});

	test('the installed reporting workflow brings a failure to the companion within 5 s, as execution.failed to a WorkflowOps Trigger workflow', async () => {
		const client = new N8nClient({ name: 'nodes', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const listener = await n8nApi(
			'POST',
			'/workflows',
			listenerWorkflow('On failure', 'c6f1e7f4-3c1e-4d0b-9a43-workflowops02', ['execution.failed']),
		);
		await client.setActive(listener.id, true);
		await subscribed(1);
		const failing = await client.createWorkflow(
			webhookWorkflow('Refuse', 'refuse-reported', {
				name: 'Fail here',
				type: 'n8n-nodes-base.stopAndError',
				typeVersion: 1,
				parameters: { errorMessage: 'Refused for bob@example.com' },
			}),
		);
		await client.setActive(failing.id, true);
		// Saved by n8n's editor, with node keys its public API refuses on write.
		const edited = await editorCreate(n8n, {
			name: 'Made in the editor',
			nodes: [editorHttpNode('https://erp.example.com')],
			connections: {},
			settings: { executionOrder: 'v1' },
		});
		const environment = await companion.environment(admin, {
			name: 'failures',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		await syncAndFollow(companion, admin, environment.id);

		const installed = await companion.api(admin, 'POST', `/api/v1/environments/${environment.id}/failure-reporting`, {
			companionUrl: companion.url,
			setAsErrorWorkflow: true,
		});
		expect(installed.status).toBe(200);
		const job = await readEvents(`${companion.url}/api/v1/jobs/${installed.body.job.id}/events`, {
			authorization: `Bearer ${admin}`,
		});
		const { result } = job.at(-1)!.data;
		expect(result.failed).toEqual([]);
		expect(result.changed.map((outcome: { workflowId: string }) => outcome.workflowId)).toEqual(
			expect.arrayContaining([failing.id, edited.id]),
		);
		for (const id of [failing.id, edited.id])
			expect((await client.getWorkflow(id)).settings?.errorWorkflow).toBe(installed.body.reporting.workflowId);
		expect((await client.getWorkflow(edited.id)).nodes[0].parameters.url).toBe('https://erp.example.com');

		const failedAt = Date.now();
		for (let attempt = 0; ; attempt++) {
			const response = await fetch(`${n8n.baseUrl}/webhook/refuse-reported`, { method: 'POST', body: '{}' });
			await response.text();
			if (response.status !== 404 || attempt > 20) break;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		let delivery: { payload: string; created_at: string } | undefined;
		while (!delivery && Date.now() - failedAt < 15_000) {
			delivery = await companion.db
				.selectFrom('webhook_deliveries')
				.select(['payload', 'created_at'])
				.where('event_type', '=', 'execution.failed')
				.executeTakeFirst();
			if (!delivery) await new Promise((resolve) => setTimeout(resolve, 50));
		}
		expect(delivery).toBeDefined();
		expect(Date.parse(delivery!.created_at) - failedAt).toBeLessThanOrEqual(5000);
		expect(JSON.parse(delivery!.payload).data).toMatchObject({
			environment: { id: environment.id },
			workflow: { id: failing.id, name: 'Refuse' },
			count: 1,
			latest: { failedNode: 'Fail here', errorMessage: expect.stringContaining('[redacted:email]') },
		});

		const execution = await firstRunOf(listener.id);
		const [event] = execution.data.resultData.runData['On failure'][0].data.main[0].map((item: any) => item.json);
		expect(event).toMatchObject({ type: 'execution.failed', data: { workflow: { id: failing.id } } });
		const status = await companion.api(admin, 'GET', `/api/v1/environments/${environment.id}/failure-reporting`);
		expect(status.body).toMatchObject({ installed: true, reportedLast24h: 1, lastReceivedAt: expect.any(String) });

		await client.setActive(listener.id, false);
		await subscribed(0);
	});
});
