import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { fakeExecutions, type FakeExecution } from '../support/fake-n8n-executions';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';
import { recordedEvents } from '../support/events';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, seconds)).toISOString();
const success = (id: number, workflowId = 'wf-1', seconds = id): FakeExecution => ({
	id,
	workflowId,
	status: 'success',
	mode: 'webhook',
	startedAt: at(seconds),
	stoppedAt: new Date(Date.parse(at(seconds)) + 1200).toISOString(),
});
const failure = (id: number, message: string, seconds = id): FakeExecution => ({
	...success(id, 'wf-2', seconds),
	status: 'error',
	data: {
		resultData: {
			error: { message, node: { name: 'Send mail' } },
			lastNodeExecuted: 'Send mail',
			runData: {
				Webhook: [
					{ startTime: Date.parse(at(seconds)), executionTime: 3, data: { main: [[{ json: {} }, { json: {} }]] } },
				],
				'Send mail': [{ startTime: Date.parse(at(seconds)) + 5, executionTime: 40, error: { message } }],
			},
		},
	},
});

const n8n = fakeExecutions([
	success(1),
	failure(2, 'Mail to bob@example.com refused: Bearer abcdef123456789'),
	{ ...success(3), status: 'running', stoppedAt: null },
	success(4),
]);
const store = fakeWorkflowStore([
	{ ...httpWorkflow(1), id: 'wf-1', name: 'Invoice sync' },
	{ ...httpWorkflow(2), id: 'wf-2', name: 'Mailer' },
]);
store.executions = n8n;
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let prod: string;
beforeAll(async () => {
	setup = await companionWithFakeN8n(store);
	prod = setup.environmentId;
	await syncAndFollow(setup.companion, setup.admin, prod);
	await api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['execution.failed'] });
});
afterAll(() => setup.close());

const api = (method: string, path: string, body?: unknown, token = setup.admin) =>
	setup.companion.api(token, method, `/api/v1${path}`, body);
const index = async () => {
	const started = await api('POST', `/environments/${prod}/executions/index`);
	expect(started.status).toBe(202);
	const events = await readEvents(`${setup.companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});
	return events.at(-1)!.data;
};
const listed = async (query = '') => {
	const { status, body } = await api('GET', `/executions${query}`);
	expect(status).toBe(200);
	return body;
};

test('indexing reads n8n’s executions: status, times, the workflow and, for a failure, its node and its message redacted', async () => {
	// n8n leaves the running one out of its list: the index reads the number it skipped.
	expect((await index()).result).toEqual({ added: 4, updated: 0 });
	const { data } = await listed();
	expect(data.map((execution: any) => [execution.id, execution.status])).toEqual([
		['4', 'success'],
		['3', 'running'],
		['2', 'error'],
		['1', 'success'],
	]);
	expect(data[2]).toMatchObject({
		environmentId: prod,
		environmentName: 'prod',
		workflowId: 'wf-2',
		workflowName: 'Mailer',
		canonicalId: expect.any(String),
		mode: 'webhook',
		startedAt: at(2),
		durationMs: 1200,
		failedNode: 'Send mail',
		errorMessage: 'Mail to [redacted:email] refused: [redacted:bearer_token]',
	});
	expect(data[1]).toMatchObject({ stoppedAt: null, durationMs: null, errorMessage: null });
});

test('the next indexing stops at what it knows and reads the running ones again', async () => {
	n8n.requests.length = 0;
	Object.assign(n8n.executions.get(3)!, { status: 'success', stoppedAt: at(5) });
	n8n.add(success(5));
	expect((await index()).result).toEqual({ added: 1, updated: 1 });
	expect(n8n.requests).toEqual([
		'GET /api/v1/executions?includeData=false&limit=250',
		'GET /api/v1/executions/3?includeData=false',
	]);
	const { data } = await listed();
	expect(data.map((execution: any) => [execution.id, execution.status])).toEqual([
		['5', 'success'],
		['4', 'success'],
		['3', 'success'],
		['2', 'error'],
		['1', 'success'],
	]);
	expect(data[2].durationMs).toBe(2000);
});

test('many new failures are read from n8n’s list of failures with their data, not one by one', async () => {
	n8n.add(...Array.from({ length: 25 }, (_, i) => failure(10 + i, `timeout ${i}`)));
	n8n.requests.length = 0;
	expect((await index()).result).toMatchObject({ added: 25 });
	expect(n8n.requests.filter((request) => request.includes('includeData=true'))).toEqual([
		'GET /api/v1/executions?includeData=true&status=error&limit=250',
	]);
	const { data } = await listed('?status=error&limit=30');
	expect(data).toHaveLength(26);
	expect(data.every((execution: any) => execution.failedNode === 'Send mail')).toBe(true);
	expect(data[0].errorMessage).toBe('timeout 24');
});

test('filters: environment, workflow, canonical workflow, status, mode, time range; a cursor goes on; bad input is a 400', async () => {
	const ids = async (query: string) => (await listed(query)).data.map((execution: any) => execution.id);
	expect(await ids(`?workflow=wf-1&environment=${prod}`)).toEqual(['5', '4', '3', '1']);
	const canonical = (await listed('?workflow=wf-1')).data[0].canonicalId;
	expect(await ids(`?canonical=${canonical}`)).toEqual(['5', '4', '3', '1']);
	expect(await ids('?status=success&mode=webhook&from=2026-11-30T09:00:02Z&to=2026-11-30T09:00:04Z')).toEqual(['3']);
	expect(await ids('?mode=retry')).toEqual([]);

	const first = await listed('?limit=20');
	expect(first.data).toHaveLength(20);
	const second = await listed(`?limit=20&cursor=${first.nextCursor}`);
	expect(second.nextCursor).toBeNull();
	expect([...first.data, ...second.data].map((execution: any) => execution.id)).toEqual(
		(await listed('?limit=250')).data.map((execution: any) => execution.id),
	);

	for (const query of ['?cursor=garbage', '?status=broken', '?from=yesterday', '?limit=0']) {
		const { status, body } = await api('GET', `/executions${query}`);
		expect([query, status, typeof body.error.message]).toEqual([query, 400, 'string']);
	}
});

test('an execution’s detail reads its run node by node from n8n, redacted; one n8n pruned shows what the index kept', async () => {
	const { status, body } = await api('GET', `/executions/${prod}/2`);
	expect(status).toBe(200);
	expect(body).toMatchObject({ id: '2', status: 'error', liveError: null });
	expect(body.nodes).toEqual([
		{ node: 'Webhook', runs: 1, status: 'success', items: 2, startedAt: at(2), executionMs: 3, error: null },
		expect.objectContaining({
			node: 'Send mail',
			status: 'error',
			items: 0,
			error: expect.stringContaining('[redacted:email]'),
		}),
	]);
	n8n.executions.delete(1);
	const pruned = (await api('GET', `/executions/${prod}/1`)).body;
	expect(pruned).toMatchObject({
		id: '1',
		status: 'success',
		nodes: null,
		liveError: expect.stringMatching(/no longer has/),
	});
	expect((await api('GET', `/executions/${prod}/999`)).status).toBe(404);
});

test('retry runs executions again in n8n: the new one is indexed linked to the old; one failure does not stop the others; audited', async () => {
	const developer = await setup.companion.token('developer');
	expect(
		(await api('POST', '/executions/retry', { executions: [{ environmentId: prod, id: '2' }] }, developer)).status,
	).toBe(403);
	const { status, body } = await api('POST', '/executions/retry', {
		executions: [
			{ environmentId: prod, id: '2' },
			{ environmentId: prod, id: '999' },
		],
	});
	expect(status).toBe(200);
	expect(body.results).toEqual([
		{ environmentId: prod, id: '2', retryId: expect.any(String) },
		{ environmentId: prod, id: '999', error: 'Execution was not found' },
	]);
	const retry = (await listed('?mode=retry')).data[0];
	expect(retry).toMatchObject({ id: body.results[0].retryId, retryOf: '2', status: 'success' });
	const audit = await api('GET', '/audit?action=execution.retry');
	expect(audit.body.data[0]).toMatchObject({
		resourceId: '2',
		metadata: { workflowName: 'Mailer', retryId: retry.id },
	});

	const one = await api('POST', `/executions/${prod}/4/retry`);
	expect(one.body).toEqual({ environmentId: prod, id: '4', retryId: expect.any(String) });
	expect((await api('POST', `/executions/${prod}/999/retry`)).status).toBe(404);
});

test('stop: refused in words on n8n 1.x; on 2.x a running execution is stopped, indexed as canceled, audited', async () => {
	n8n.add({ ...success(100), status: 'running', stoppedAt: null }, success(101));
	await index();
	const refused = await api('POST', `/executions/${prod}/100/stop`);
	expect(refused.status).toBe(422);
	expect(refused.body.error.message).toMatch(/1\.x, whose API cannot stop an execution/);
	store.version = '2.40.7';
	try {
		const stopped = await api('POST', `/executions/${prod}/100/stop`);
		expect(stopped.status).toBe(200);
		expect(stopped.body).toMatchObject({ id: '100', status: 'canceled' });
		expect((await api('GET', '/audit?action=execution.stop')).body.data[0]).toMatchObject({ resourceId: '100' });
		const again = await api('POST', `/executions/${prod}/100/stop`);
		expect(again.status).toBe(409);
		expect(again.body.error.message).toBe('The execution has ended (canceled): there is nothing to stop');
	} finally {
		delete store.version;
	}
});

test('redaction: admins turn defaults off and add patterns of their own (audited); previews; bad patterns refused in words', async () => {
	expect((await api('GET', '/settings/redaction')).body).toEqual({ off: [], patterns: [] });
	const preview = await api('POST', '/settings/redaction/preview', {
		text: 'CUST-4411 of bob@example.com',
		settings: { off: ['email'], patterns: [{ kind: 'customer', pattern: 'CUST-\\d+' }] },
	});
	expect(preview.body).toEqual({ redacted: '[redacted:customer] of bob@example.com' });

	const bad = await api('PUT', '/settings/redaction', { off: [], patterns: [{ kind: 'customer', pattern: '(' }] });
	expect(bad.status).toBe(400);
	expect(bad.body.error.message).toMatch(/must be a regular expression/);
	const developer = await setup.companion.token('developer');
	const settings = { off: [], patterns: [{ kind: 'customer', pattern: 'CUST-\\d+' }] };
	expect((await api('PUT', '/settings/redaction', settings, developer)).status).toBe(403);
	expect((await api('PUT', '/settings/redaction', settings)).status).toBe(200);
	expect((await api('GET', '/audit?action=settings.redaction_update')).body.data[0].metadata).toEqual({
		off: [],
		kinds: ['customer'],
	});

	n8n.add(failure(200, 'no such customer CUST-991 for anna@example.org'));
	await index();
	expect((await listed('?status=error&limit=1')).data[0].errorMessage).toBe(
		'no such customer [redacted:customer] for [redacted:email]',
	);
});

test('the UI: the executions page filters and refreshes itself; a failure’s page links its workflow and failing node; retry goes to the new run', async () => {
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'ops@example.com',
		password: 'correct horse battery',
		role: 'admin',
	});
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'look@example.com',
		password: 'correct horse battery',
		role: 'viewer',
	});
	const admin = await signedInClient(setup.companion, 'ops@example.com');
	const viewer = await signedInClient(setup.companion, 'look@example.com');

	const page = await (await viewer.get('/executions?status=error')).text();
	expect(page).toContain('hx-trigger="every 10s"');
	expect(page).toContain('Mail to [redacted:email]');
	expect(page).not.toContain('bob@example.com');
	expect(page).not.toContain('index now');
	const partial = await (await viewer.get('/executions?status=success&since=24h', { 'hx-request': 'true' })).text();
	expect(partial.trim().startsWith('<div id="execution-table"')).toBe(true);
	const invalid = await viewer.get('/executions?status=broken');
	expect(invalid.status).toBe(422);
	expect(await invalid.text()).toContain('These filters are not valid: status');

	const detail = await (await viewer.get(`/executions/${prod}/2`)).text();
	expect(detail).toContain(`href="/environments/${prod}/workflows/wf-2#node-Send%20mail"`);
	expect(detail).toContain('class="failed-node"');
	expect(detail).not.toContain('>Retry<');
	expect((await viewer.post(`/executions/${prod}/2/retry`, {})).status).toBe(403);

	const retried = await admin.post(`/executions/${prod}/2/retry`, {});
	expect(retried.status).toBe(303);
	const newRun = retried.headers.get('location')!;
	expect(newRun).toMatch(new RegExp(`^/executions/${prod}/\\d+$`));
	expect(await (await admin.get(newRun)).text()).toContain(
		`A retry of <a href="/executions/${prod}/2">execution 2</a>`,
	);

	const stop = await admin.post(`/executions/${prod}/2/stop`, {});
	expect(stop.status).toBe(409);
	expect(await stop.text()).toContain('The execution has ended (error): there is nothing to stop');

	const indexed = await admin.post(`/environments/${prod}/executions/index`, {});
	expect(indexed.headers.get('location')).toBe(`/executions?environment=${prod}`);
});

test('the policies page sets the redaction: defaults ticked off, patterns one per line; a bad line is named', async () => {
	const admin = await signedInClient(setup.companion, 'ops@example.com');
	const page = await (await admin.get('/policies')).text();
	expect(page).toContain('name="redact.email" checked');
	expect(page).toContain('customer: CUST-\\d+');
	const saved = await admin.post('/policies/redaction', {
		'redact.bearer_token': 'on',
		'redact.api_key': 'on',
		'redact.card_number': 'on',
		'redact.iban': 'on',
		patterns: 'customer: CUST-\\d+\r\nticket: T-\\d{4}\r\n',
	});
	expect(saved.status).toBe(303);
	expect((await api('GET', '/settings/redaction')).body).toEqual({
		off: ['email'],
		patterns: [
			{ kind: 'customer', pattern: 'CUST-\\d+' },
			{ kind: 'ticket', pattern: 'T-\\d{4}' },
		],
	});
	const refused = await admin.post('/policies/redaction', { patterns: 'ok: A+\nbroken: (' });
	expect(refused.status).toBe(422);
	expect(await refused.text()).toContain('Redaction, line 2 (pattern): must be a regular expression');
});

test('an execution first seen before it started counts, once it has, in the hour it started, not where it was first seen', async () => {
	n8n.add({ id: 300, workflowId: 'wf-1', status: 'new', mode: 'trigger', startedAt: null as never, stoppedAt: null });
	await index();
	const now = new Date();
	const thisHour = `from=${new Date(now.getTime() - 3_600_000).toISOString()}&to=${now.toISOString()}`;
	const counted = async () => (await api('GET', `/analytics?${thisHour}&workflow=wf-1`)).body.summary.total;
	const before = await counted(); // with a retry of earlier, run this hour
	expect(before).toBeGreaterThanOrEqual(1);
	Object.assign(n8n.executions.get(300)!, { status: 'success', startedAt: at(30), stoppedAt: at(31) });
	await index();
	expect(await counted()).toBe(before - 1);
	expect((await api('GET', `/executions?workflow=wf-1&status=success&to=${at(31)}`)).body.data[0]).toMatchObject({
		id: '300',
		startedAt: at(30),
	});
});

test('new failures are sent as execution.failed, one event per workflow with its count; not the history a first indexing reads', async () => {
	const sent = (await recordedEvents(setup.companion.db, 'execution.failed')).map((event) => event.data);
	expect(sent.map((event) => [event.workflow.name, event.count])).toEqual([
		['Mailer', 25],
		['Mailer', 1],
	]);
	expect(sent[0]).toMatchObject({
		environment: { id: prod, name: 'prod', class: 'prod' },
		workflow: { id: 'wf-2' },
		latest: { id: '34', failedNode: 'Send mail', errorMessage: 'timeout 24' },
		executionIds: expect.arrayContaining(['34', '15']),
	});
	expect(sent[0].executionIds).toHaveLength(20); // the newest; the count says how many
	expect(sent[1].latest.errorMessage).toBe('no such customer [redacted:customer] for [redacted:email]');
});
