import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { WorkflowOpsTrigger } from '../../nodes/WorkflowOpsTrigger/WorkflowOpsTrigger.node';
import { isSignedDelivery } from '../../nodes/WorkflowOpsTrigger/signature';
import { EVENT_TYPES, signature } from '../../service/domain/events/events';
import type { Companion } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';
import { triggerContext, type TriggerRun } from './harness';

const node = new WorkflowOpsTrigger();
const hooks = node.webhookMethods.default;
let companion: Companion;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;
let receiver: http.Server;
const deliveries: Array<{ headers: Record<string, string>; body: string }> = [];
let run: TriggerRun;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(fakeWorkflowStore([httpWorkflow(1)])));
	receiver = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			deliveries.push({ headers: req.headers as Record<string, string>, body });
			res.end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	run = {
		credentials: { baseUrl: companion.url, apiToken: admin },
		parameters: { events: ['snapshot.created'] },
		staticData: {},
		webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook/abc`,
	};
});
afterAll(async () => {
	await close();
	await new Promise((resolve) => receiver.close(resolve));
});

const hook = (method: 'checkExists' | 'create' | 'delete') =>
	hooks[method].call(triggerContext(run) as unknown as IHookFunctions);
const receive = async (request: TriggerRun['request']) => {
	const context = triggerContext({ ...run, request });
	return { result: await node.webhook.call(context as unknown as IWebhookFunctions), response: context.response };
};

test('the events offered are the companion’s, each described, with names n8n can lower-case ("On incident overdue")', () => {
	const events = node.description.properties.find((property) => property.name === 'events')!;
	const options = events.options as Array<{ name: string; value: string; description?: string }>;
	expect(options.map((option) => option.value).sort()).toEqual([...EVENT_TYPES].sort());
	for (const option of options) {
		expect(option.description).toMatch(/^[A-Z].{10,}/);
		expect(option.name).not.toMatch(/\b[A-Z]{2,}\b/);
	}
});

test('activation subscribes the webhook URL with a secret of its own; checkExists follows the events chosen', async () => {
	expect(await hook('checkExists')).toBe(false);
	expect(await hook('create')).toBe(true);
	expect(run.staticData).toEqual({
		subscriptionId: expect.any(String),
		secret: expect.stringMatching(/^[0-9a-f]{64}$/),
	});
	const { body } = await companion.api(admin, 'GET', `/api/v1/webhooks/${String(run.staticData.subscriptionId)}`);
	expect(body).toMatchObject({ url: run.webhookUrl, events: ['snapshot.created'] });
	expect(await hook('checkExists')).toBe(true);
	run.parameters = { events: ['snapshot.created', 'drift.detected'] };
	expect(await hook('checkExists')).toBe(false);
	run.parameters = { events: ['snapshot.created'] };
});

test('a delivery signed by the companion starts the workflow; a forged, stale or unwanted one does not', async () => {
	await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId, label: 'from the trigger test' });
	for (let i = 0; i < 100 && !deliveries.length; i++) await sleep(20);
	const [delivery] = deliveries;
	const { result } = await receive(delivery);
	expect(result.workflowData).toEqual([
		[
			{
				json: expect.objectContaining({
					type: 'snapshot.created',
					data: expect.objectContaining({ snapshot: expect.objectContaining({ label: 'from the trigger test' }) }),
				}),
			},
		],
	]);

	const forged = await receive({ ...delivery, body: delivery.body.replace('from the trigger test', 'forged') });
	expect(forged.result).toEqual({ noWebhookResponse: true });
	expect(forged.response).toEqual({
		status: 401,
		body: { error: 'The delivery is not signed by the WorkflowOps companion' },
	});

	const secret = String(run.staticData.secret);
	const stale = Math.floor(Date.now() / 1000) - 600;
	const replayed = await receive({
		headers: {
			'x-workflowops-timestamp': String(stale),
			'x-workflowops-signature': signature(secret, stale, delivery.body),
		},
		body: delivery.body,
	});
	expect(replayed.response.status).toBe(401);

	const now = Math.floor(Date.now() / 1000);
	const other = JSON.stringify({ id: 'e', type: 'drift.resolved', data: {} });
	const unwanted = await receive({
		headers: { 'x-workflowops-timestamp': String(now), 'x-workflowops-signature': signature(secret, now, other) },
		body: other,
	});
	expect(unwanted.result).toEqual({ webhookResponse: { ignored: 'drift.resolved' } });
});

test('the node checks signatures exactly as the companion makes them', async () => {
	const now = Math.floor(Date.now() / 1000);
	const body = '{"type":"drift.detected"}';
	expect(await isSignedDelivery('s3cret', String(now), signature('s3cret', now, body), body, now)).toBe(true);
	expect(await isSignedDelivery('other', String(now), signature('s3cret', now, body), body, now)).toBe(false);
	expect(await isSignedDelivery('s3cret', String(now), signature('s3cret', now, body), `${body} `, now)).toBe(false);
	expect(await isSignedDelivery('s3cret', String(now), 'sha256=zz', body, now)).toBe(false);
	expect(await isSignedDelivery('s3cret', undefined, signature('s3cret', now, body), body, now)).toBe(false);
});

test('deactivation unsubscribes, and tolerates a subscription already gone', async () => {
	const id = String(run.staticData.subscriptionId);
	expect(await hook('delete')).toBe(true);
	expect((await companion.api(admin, 'GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
	expect(run.staticData).toEqual({});
	run.staticData.subscriptionId = id;
	expect(await hook('delete')).toBe(true);
	expect(await hook('checkExists')).toBe(false);
});
