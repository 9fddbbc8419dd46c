import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Companion, startCompanion } from '../support/companion';
import { closedPort } from '../support/fake-n8n';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

interface Received {
	headers: http.IncomingHttpHeaders;
	body: string;
}

const store = fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2)]);
const received: Received[] = [];
let answers: number[] = [];
let receiver: http.Server;
let receiverUrl: string;
let companion: Companion;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	receiver = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			received.push({ headers: req.headers, body });
			res.statusCode = answers.shift() ?? 200;
			res.end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
});
beforeEach(() => {
	received.length = 0;
	answers = [];
});
afterAll(async () => {
	await close();
	await new Promise((resolve) => receiver.close(resolve));
});

const subscribe = (body: object, token = admin) => companion.api(token, 'POST', '/api/v1/webhooks', body);
const deliveries = async (id: string) =>
	(await companion.api(admin, 'GET', `/api/v1/webhooks/${id}/deliveries`)).body.data;
const until = async (done: () => boolean | Promise<boolean>, ms = 5000) => {
	for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (await done()) return;
	throw new Error('timed out');
};
const verify = ({ headers, body }: Received, secret: string) => {
	const expected = crypto
		.createHmac('sha256', secret)
		.update(`${headers['x-workflowops-timestamp']}.${body}`)
		.digest('hex');
	return headers['x-workflowops-signature'] === `sha256=${expected}`;
};

test('subscriptions: bad input named, a generated secret shown once and never again, viewers refused', async () => {
	const bad = await subscribe({ url: 'ftp://x', events: ['drift.exploded'] });
	expect(bad.status).toBe(400);
	expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['events.0', 'url']);
	const viewer = await companion.token('viewer');
	expect((await subscribe({ url: receiverUrl, events: ['drift.detected'] }, viewer)).status).toBe(403);

	const created = await subscribe({ url: receiverUrl, events: ['snapshot.created'], description: 'chatops' });
	expect(created.status).toBe(201);
	expect(created.body.secret).toMatch(/^[\w-]{43}$/);
	const listed = await companion.api(admin, 'GET', '/api/v1/webhooks');
	expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
	expect(companion.logLines.join('\n')).not.toContain(created.body.secret);
	expect((await companion.api(admin, 'DELETE', `/api/v1/webhooks/${created.body.id}`)).status).toBe(204);
	expect((await companion.api(admin, 'GET', `/api/v1/webhooks/${created.body.id}/deliveries`)).status).toBe(404);
});

test('a developer manages their own subscriptions only; an admin manages everyone’s', async () => {
	const [alice, bob] = [await companion.token('developer'), await companion.token('developer')];
	const ofAlice = (await subscribe({ url: receiverUrl, events: ['snapshot.created'] }, alice)).body;
	const ofAdmin = (await subscribe({ url: receiverUrl, events: ['snapshot.created'] })).body;
	const ids = async (token: string) =>
		(await companion.api(token, 'GET', '/api/v1/webhooks')).body.data.map((s: any) => s.id);
	expect(await ids(alice)).toEqual([ofAlice.id]);
	expect(await ids(bob)).toEqual([]);
	expect(await ids(admin)).toEqual(expect.arrayContaining([ofAlice.id, ofAdmin.id]));
	for (const [method, path] of [
		['GET', `/api/v1/webhooks/${ofAdmin.id}`],
		['GET', `/api/v1/webhooks/${ofAdmin.id}/deliveries`],
		['DELETE', `/api/v1/webhooks/${ofAdmin.id}`],
		['DELETE', `/api/v1/webhooks/${ofAlice.id}`],
	])
		expect([path, (await companion.api(bob, method, path)).status]).toEqual([path, 404]);
	expect((await companion.api(admin, 'DELETE', `/api/v1/webhooks/${ofAlice.id}`)).status).toBe(204);
	expect((await companion.api(admin, 'DELETE', `/api/v1/webhooks/${ofAdmin.id}`)).status).toBe(204);
});

test('where private targets are refused, a subscription to one is refused with the reason, and a delivery too', async () => {
	const guarded = await startCompanion({ allowPrivateWebhookTargets: false });
	try {
		const token = await guarded.token('admin');
		for (const url of [
			'http://127.0.0.1:1/hook',
			'http://localhost:1/hook',
			'http://[::1]:1/hook',
			'http://10.1.2.3/hook',
		]) {
			const refused = await guarded.api(token, 'POST', '/api/v1/webhooks', { url, events: ['snapshot.created'] });
			expect([url, refused.status, refused.body.error.details[0].field]).toEqual([url, 422, 'url']);
			expect(refused.body.error.details[0].message).toMatch(/^is on a private or loopback address \(/);
		}
	} finally {
		await guarded.close();
	}
});

test('drift.detected and drift.resolved reach the subscriber signed, with a timestamp; other events do not', async () => {
	const secret = 'a-secret-of-the-n8n-trigger-node';
	const { body: subscription } = await subscribe({
		url: receiverUrl,
		events: ['drift.detected', 'drift.resolved'],
		secret,
	});
	expect(subscription.secret).toBeUndefined();
	await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
	await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId });
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net' };
	const { body } = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/drift-checks`);
	await until(() => received.length === 1);

	const [detected] = received;
	expect(verify(detected, secret)).toBe(true);
	expect(Math.abs(Number(detected.headers['x-workflowops-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
	expect(detected.headers['x-workflowops-event']).toBe('drift.detected');
	expect(JSON.parse(detected.body)).toMatchObject({
		type: 'drift.detected',
		data: {
			environment: { id: environmentId, name: 'prod', class: 'prod' },
			incident: { id: body.incident.incident.id, severity: 'critical', status: 'OPEN' },
			highestRisk: 'HIGH',
			workflows: [{ workflowId: 'wf-1', status: 'MODIFIED', risk: 'HIGH', reasons: ['HIGH http: Call'] }],
			counts: { MODIFIED: 1 },
		},
	});
	// The same drift seen again is not news.
	await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/drift-checks`);
	await companion.api(admin, 'POST', `/api/v1/incidents/${body.incident.incident.id}/acknowledge`, {});
	await companion.api(admin, 'POST', `/api/v1/incidents/${body.incident.incident.id}/resolve`, {
		resolution: 'keep',
	});
	await until(() => received.length === 2);
	expect(JSON.parse(received[1].body)).toMatchObject({
		type: 'drift.resolved',
		data: { incident: { status: 'RESOLVED', resolved: { resolution: 'keep' } } },
	});
	await sleep(300);
	expect(received).toHaveLength(2);
	const log = await deliveries(subscription.id);
	expect(log.map((d: any) => [d.eventType, d.status, d.attempts, d.responseStatus])).toEqual([
		['drift.resolved', 'succeeded', 1, 200],
		['drift.detected', 'succeeded', 1, 200],
	]);
	await companion.api(admin, 'DELETE', `/api/v1/webhooks/${subscription.id}`);
});

test('a failing receiver is retried with backoff; one that never answers is marked failed with why', async () => {
	const { body: retried } = await subscribe({ url: receiverUrl, events: ['snapshot.created'] });
	const { body: broken } = await subscribe({
		url: `http://127.0.0.1:${await closedPort()}/nothing`,
		events: ['snapshot.created'],
	});
	answers = [503];
	await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId, label: 'nightly' });
	await until(async () => (await deliveries(retried.id))[0]?.status === 'succeeded');
	expect(received).toHaveLength(2);
	expect(received[0].headers['x-workflowops-delivery']).toBe(received[1].headers['x-workflowops-delivery']);
	expect(JSON.parse(received[1].body)).toMatchObject({
		type: 'snapshot.created',
		data: { snapshot: { label: 'nightly' } },
	});
	expect((await deliveries(retried.id))[0]).toMatchObject({ attempts: 2, responseStatus: 200, error: null });

	await until(async () => (await deliveries(broken.id))[0]?.status === 'failed');
	expect((await deliveries(broken.id))[0]).toMatchObject({
		attempts: 3,
		responseStatus: null,
		nextAttemptAt: null,
		error: expect.stringMatching(/^the receiver could not be reached: .*ECONNREFUSED/),
	});
});

test('an event recorded in a transaction that fails is never delivered (the outbox commits with the change)', async () => {
	const { body } = await companion.api(admin, 'POST', '/api/v1/webhooks', {
		url: receiverUrl,
		events: ['snapshot.created'],
	});
	await expect(
		companion.db.transaction().execute(async (trx) => {
			await companion.webhooks.record(trx, 'snapshot.created', { rolledBack: true });
			throw new Error('the change failed');
		}),
	).rejects.toThrow('the change failed');
	expect(await deliveries(body.id)).toEqual([]);
	await companion.api(admin, 'DELETE', `/api/v1/webhooks/${body.id}`);
});
