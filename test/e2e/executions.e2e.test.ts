import { createUser } from '../../service/domain/auth/users';
import { N8nClient } from '../../service/n8n/client';
import { CLI_CONTEXT } from '../../service/runtime';
import { allowEverything, type Companion, startCompanion } from '../support/companion';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { webhookWorkflow } from '../support/workflows';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

const SECRET_MESSAGE = 'Customer bob@example.com was refused with key sk-proj-abcdefghijklmnopqrstuvwx';

describe.each(selectedTargets())('the execution index on n8n $version', (target) => {
	let n8n: N8nInstance;
	let client: N8nClient;
	let companion: Companion;
	let admin: string;
	let environmentId: string;
	const workflowIds = new Map<string, string>();

	/** Calls a workflow's webhook, waiting for n8n to have registered it. */
	const call = async (path: string) => {
		for (let attempt = 0; ; attempt++) {
			const response = await fetch(`${n8n.baseUrl}/webhook/${path}`, { method: 'POST', body: '{}' });
			await response.text();
			if (response.status !== 404 || attempt > 20) return response.status;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	};
	const api = (method: string, path: string, body?: unknown) => companion.api(admin, method, `/api/v1${path}`, body);
	const index = async () => {
		const started = await api('POST', `/environments/${environmentId}/executions/index`);
		expect(started.status).toBe(202);
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${admin}`,
		});
		return events.at(-1)!.data;
	};
	const indexed = async () =>
		(await api('GET', `/executions?environment=${environmentId}&limit=250`)).body.data as Array<Record<string, any>>;

	beforeAll(async () => {
		[n8n, companion] = await Promise.all([
			startN8n({ target, name: 'executions' }),
			startCompanion({ n8nTimeoutMs: 20_000 }),
		]);
		admin = await companion.token('admin');
		client = new N8nClient({ name: 'prod', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		for (const workflow of [
			webhookWorkflow('Echo', 'echo', {
				name: 'Done',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				parameters: {},
			}),
			webhookWorkflow('Refuse', 'refuse', {
				name: 'Fail here',
				type: 'n8n-nodes-base.stopAndError',
				typeVersion: 1,
				parameters: { errorMessage: SECRET_MESSAGE },
			}),
			webhookWorkflow('Hold', 'hold', {
				name: 'Hold on',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1,
				parameters: { amount: 8, unit: 'seconds' },
			}),
			webhookWorkflow('Slow', 'slow', {
				name: 'Take time',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1,
				parameters: { amount: 2, unit: 'seconds' },
			}),
		]) {
			const created = await client.createWorkflow(workflow);
			await client.setActive(created.id, true);
			workflowIds.set(workflow.name, created.id);
		}
		environmentId = (
			await companion.environment(admin, { name: 'prod', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey, class: 'prod' })
		).id;
		await syncAndFollow(companion, admin, environmentId);
		for (const path of ['echo', 'echo', 'echo', 'refuse', 'refuse', 'slow']) await call(path);
	});
	afterAll(async () => {
		await companion?.close();
		await n8n?.stop();
	});

	test('the index matches n8n’s own list: statuses, workflows, a slow run’s duration; a failure’s message redacted', async () => {
		expect((await index()).result).toMatchObject({ added: 6 });
		const own = await client.listAll<Record<string, unknown>>('/executions');
		const ours = await indexed();
		const summary = (list: Array<Record<string, unknown>>) =>
			list.map(({ id, status, workflowId }) => [String(id), status, String(workflowId)]).sort();
		expect(summary(ours)).toEqual(summary(own));
		expect(ours.map((execution) => execution.status).sort()).toEqual([
			'error',
			'error',
			'success',
			'success',
			'success',
			'success',
		]);

		const slow = ours.find((execution) => execution.workflowId === workflowIds.get('Slow'))!;
		expect(slow.durationMs).toBeGreaterThanOrEqual(2000);
		const failure = ours.find((execution) => execution.status === 'error')!;
		expect(failure).toMatchObject({ workflowName: 'Refuse', mode: 'webhook', failedNode: 'Fail here' });
		expect(failure.errorMessage).toContain('[redacted:email]');
		expect(failure.errorMessage).toContain('[redacted:api_key]');
		expect(JSON.stringify(ours)).not.toContain('bob@example.com');
		const stored = await companion.db.selectFrom('executions').select('error_message').execute();
		expect(JSON.stringify(stored)).not.toMatch(/bob@example\.com|sk-proj-/);

		expect((await index()).result).toEqual({ added: 0, updated: 0 });
	});

	test('a failure’s detail reads its run node by node from n8n, redacted', async () => {
		const failure = (await indexed()).find((execution) => execution.status === 'error')!;
		const { status, body } = await api('GET', `/executions/${environmentId}/${failure.id}`);
		expect(status).toBe(200);
		expect(body.liveError).toBeNull();
		expect(body.nodes.map((node: any) => [node.node, node.status])).toEqual([
			['Webhook', 'success'],
			['Fail here', 'error'],
		]);
		expect(body.nodes[1].error).toContain('[redacted:email]');
		expect(JSON.stringify(body)).not.toContain('bob@example.com');
	});

	test('retry makes a new execution in n8n, indexed and linked to the old', async () => {
		const failure = (await indexed()).find((execution) => execution.status === 'error')!;
		const { status, body } = await api('POST', `/executions/${environmentId}/${failure.id}/retry`);
		expect(status).toBe(200);
		expect(body).toEqual({ environmentId, id: failure.id, retryId: expect.any(String) });
		let retry: Record<string, any> | undefined;
		for (let attempt = 0; attempt < 20 && !(retry && retry.status === 'error'); attempt++) {
			await index();
			retry = (await indexed()).find((execution) => execution.id === body.retryId);
			if (!retry || retry.status !== 'error') await new Promise((resolve) => setTimeout(resolve, 500));
		}
		expect(retry).toMatchObject({ retryOf: failure.id, mode: 'retry', status: 'error', failedNode: 'Fail here' });
		const audit = await api('GET', '/audit?action=execution.retry');
		expect(audit.body.data[0]).toMatchObject({ resourceId: failure.id, metadata: { retryId: body.retryId } });
	});

	test('stop: a running execution is stopped on 2.x and indexed as canceled; 1.x refuses in words', async () => {
		const held = fetch(`${n8n.baseUrl}/webhook/hold`, { method: 'POST', body: '{}' }).then((r) => r.text());
		// n8n lists no running execution: one finished after it shows the number the list skipped.
		await new Promise((resolve) => setTimeout(resolve, 500));
		await call('echo');
		let running: Record<string, any> | undefined;
		for (let attempt = 0; attempt < 20 && !running; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			await index();
			running = (await indexed()).find(
				(execution) => execution.workflowName === 'Hold' && ['running', 'waiting', 'new'].includes(execution.status),
			);
		}
		expect(running).toBeDefined();
		const stopped = await api('POST', `/executions/${environmentId}/${running!.id}/stop`);
		if (target.major === '1') {
			expect(stopped.status).toBe(422);
			expect(stopped.body.error.message).toMatch(/1\.x, whose API cannot stop an execution/);
		} else {
			expect(stopped.status).toBe(200);
			expect(stopped.body).toMatchObject({ id: running!.id, status: 'canceled' });
		}
		await held.catch(() => undefined);
	});

	test('retention removes what is old and keeps what is referenced: aged executions go, a restored snapshot stays', async () => {
		await allowEverything(companion, admin);
		const follow = async (jobId: string) =>
			(await readEvents(`${companion.url}/api/v1/jobs/${jobId}/events`, { authorization: `Bearer ${admin}` })).at(-1)!
				.data;
		const snapshots: string[] = [];
		for (let i = 0; i < 7; i++)
			snapshots.push((await api('POST', '/snapshots', { environmentId, label: `s${i}` })).body.id);
		// A hand edit, then the oldest snapshot restored: its change refers to it.
		const echoId = workflowIds.get('Echo')!;
		await client.updateWorkflow(echoId, { ...(await client.getWorkflow(echoId)), name: 'Echo (edited)' });
		const restore = await api('POST', `/snapshots/${snapshots[0]}/restore`, { mode: 'apply', workflowIds: [echoId] });
		expect(await follow(restore.body.id)).toMatchObject({ status: 'succeeded', result: { updated: [echoId] } });

		const rows = await companion.db
			.selectFrom('executions')
			.select('n8n_id')
			.where('environment_id', '=', environmentId)
			.orderBy('seq')
			.execute();
		const aged = rows.slice(0, 3).map((row) => row.n8n_id);
		await companion.db
			.updateTable('executions')
			.set({ started_at: new Date(Date.now() - 100 * 86_400_000).toISOString() })
			.where('n8n_id', 'in', aged)
			.execute();
		const settings = (await api('GET', '/settings/retention')).body;
		expect((await api('PUT', '/settings/retention', { ...settings, snapshots: 5 })).status).toBe(200);

		const run = await follow((await api('POST', '/retention/run')).body.id);
		expect(run).toMatchObject({ status: 'succeeded', result: { removed: { executions: 3, snapshots: 2 } } });
		const kept = (await companion.db.selectFrom('snapshots').select('id').execute()).map((row) => row.id);
		expect(kept).toContain(snapshots[0]);
		expect(kept).not.toContain(snapshots[1]);
		expect(kept).not.toContain(snapshots[2]);
		const left = (await indexed()).map((execution) => execution.id);
		for (const id of aged) expect(left).not.toContain(id);
		expect(left).toHaveLength(rows.length - 3);
		// What retention removed does not come back: the index reads down to what it knows.
		expect((await index()).result.added).toBe(0);
	});

	test('a stopped instance flips to down after two failed checks; its pages show the synced data as of the last sync', async () => {
		await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['environment.down'] });
		await n8n.stop();
		const check = () => api('POST', `/environments/${environmentId}/test`);
		await check();
		expect((await api('GET', `/environments/${environmentId}/health`)).body.state).toBe('up');
		await check();
		expect((await api('GET', `/environments/${environmentId}/health`)).body).toMatchObject({
			state: 'down',
			lastError: { error: expect.stringContaining('refused the connection') },
		});
		const events = await companion.db.selectFrom('webhook_deliveries').select('event_type').execute();
		expect(events.map((event) => event.event_type)).toEqual(['environment.down']);
		await createUser(companion.db, CLI_CONTEXT, {
			email: 'ops@example.com',
			password: 'correct horse battery',
			role: 'admin',
		});
		const ui = await signedInClient(companion, 'ops@example.com');
		const page = await (await ui.get(`/environments/${environmentId}`)).text();
		expect(page).toContain('n8n does not answer');
		expect(page).toMatch(/as of the last sync, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
		for (const name of ['Echo', 'Refuse', 'Hold', 'Slow']) expect(page).toContain(name);
		expect(page).toContain('disabled title="n8n does not answer: this needs it">Sync now');
	});
});
