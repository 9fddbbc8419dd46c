import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { signature } from '../../service/domain/events/events';
import { flushFailureBursts } from '../../service/domain/executions/failure-reports';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { fakeExecutions } from '../support/fake-n8n-executions';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';
import { recordedEvents } from '../support/events';

const store = fakeWorkflowStore([
	{ ...httpWorkflow(1), id: 'wf-1', name: 'Invoice sync' },
	{ ...httpWorkflow(2), id: 'wf-2', name: 'Mailer', settings: { errorWorkflow: 'their-own' } },
]);
store.executions = fakeExecutions([]);
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
const reportingWorkflowIn = () =>
	[...store.workflows.values()].find((workflow) => workflow.name === 'WorkflowOps: report failures') as N8nWorkflow;
const nodeOf = (workflow: N8nWorkflow, type: string) => workflow.nodes.find((node) => node.type === type)!;
/** What the installed workflow's Crypto node signs with, as n8n would. */
const secretInN8n = () => nodeOf(reportingWorkflowIn(), 'n8n-nodes-base.crypto').parameters.secret as string;
const hookUrl = () => nodeOf(reportingWorkflowIn(), 'n8n-nodes-base.httpRequest').parameters.url as string;

async function push(report: unknown, { secret = secretInN8n(), age = 0, environmentId = prod } = {}) {
	const body = typeof report === 'string' ? report : JSON.stringify(report);
	const timestamp = Math.floor(Date.now() / 1000) - age;
	const response = await fetch(`${setup.companion.url}/api/v1/hooks/n8n/${environmentId}`, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'x-workflowops-timestamp': String(timestamp),
			'x-workflowops-signature': signature(secret, timestamp, body),
		},
		body,
	});
	return { status: response.status, body: (await response.json()) as any };
}
const failure = (executionId: string, workflowId = 'wf-1', errorMessage = 'Request failed') => ({
	executionId,
	workflowId,
	workflowName: workflowId === 'wf-1' ? 'Invoice sync' : 'Mailer',
	mode: 'webhook',
	failedNode: 'HTTP Request',
	errorMessage,
});
const sentEvents = async () =>
	(await recordedEvents(setup.companion.db, 'execution.failed')).map((event) => event.data);

test('before it is installed, the status says so and the hook knows no secret for the environment', async () => {
	expect((await api('GET', `/environments/${prod}/failure-reporting`)).body).toMatchObject({
		installed: false,
		workflowId: null,
		lastReceivedAt: null,
	});
	const refused = await push(failure('1'), { secret: 'guess' });
	expect(refused.status).toBe(404);
	expect(refused.body.error.message).toBe('Failure reporting for this environment was not found');
});

test('installing creates the reporting workflow in n8n, signing with a secret of its own, and audits it', async () => {
	const { status, body } = await api('POST', `/environments/${prod}/failure-reporting`, {
		companionUrl: 'http://127.0.0.1:5678/',
	});
	expect(status).toBe(200);
	expect(body.job).toBeUndefined();
	const workflow = reportingWorkflowIn();
	expect(body.reporting).toMatchObject({
		installed: true,
		workflowId: workflow.id,
		workflowPresent: true, // in the inventory at once
		lastReceivedAt: null,
	});
	expect(workflow.nodes.map((node) => node.type)).toEqual([
		'n8n-nodes-base.errorTrigger',
		'n8n-nodes-base.set',
		'n8n-nodes-base.crypto',
		'n8n-nodes-base.httpRequest',
	]);
	expect(hookUrl()).toBe(`http://127.0.0.1:5678/api/v1/hooks/n8n/${prod}`);
	expect(secretInN8n()).toMatch(/^[0-9a-f]{64}$/);
	// The secret is kept sealed, and never answered.
	expect(JSON.stringify(body)).not.toContain(secretInN8n());
	const row = await setup.companion.db.selectFrom('failure_reporting').selectAll().executeTakeFirstOrThrow();
	expect(row.secret_sealed).not.toContain(secretInN8n());
	const audit = await api('GET', `/audit?action=failure_reporting.install`);
	expect(audit.body.data[0]).toMatchObject({ resourceId: prod, metadata: { workflowId: workflow.id } });
});

test('a pushed failure is announced as execution.failed at once, its error redacted; the status shows it arrived', async () => {
	const { status, body } = await push(failure('101', 'wf-1', 'Refused for ann@example.com: Bearer abc.def.ghi123'));
	expect({ status, body }).toEqual({ status: 202, body: { duplicate: false } });
	const [event] = await sentEvents();
	expect(event).toMatchObject({
		environment: { id: prod, name: 'prod' },
		workflow: { id: 'wf-1', name: 'Invoice sync' },
		count: 1,
		latest: { id: '101', failedNode: 'HTTP Request' },
		executionIds: ['101'],
	});
	expect(event.latest.errorMessage).toBe('Refused for [redacted:email]: [redacted:bearer_token]');
	const reporting = (await api('GET', `/environments/${prod}/failure-reporting`)).body;
	expect(reporting.lastReceivedAt).not.toBeNull();
	expect(reporting.reportedLast24h).toBe(1);
});

test('the same failure pushed again is a duplicate, not a second event', async () => {
	expect((await push(failure('101'))).body).toEqual({ duplicate: true });
	expect(await sentEvents()).toHaveLength(1);
});

test('a burst is one event per workflow per minute: the rest of the minute’s failures go out together, counted', async () => {
	for (const id of ['102', '103', '104']) expect((await push(failure(id))).status).toBe(202);
	// Another workflow's first failure is not held back by this one's burst.
	await push(failure('105', 'wf-2', 'Quota exceeded'));
	expect((await sentEvents()).map((event) => [event.workflow.id, event.count])).toEqual([
		['wf-1', 1],
		['wf-2', 1],
	]);
	await flushFailureBursts(setup.companion.db, setup.companion.webhooks);
	expect(await sentEvents()).toHaveLength(2); // the minute is not over
	// A minute later:
	await setup.companion.db
		.updateTable('failure_reports')
		.set({ announced_at: new Date(Date.now() - 61_000).toISOString() })
		.where('announced_at', 'is not', null)
		.execute();
	await flushFailureBursts(setup.companion.db, setup.companion.webhooks);
	const events = await sentEvents();
	expect(events.map((event) => [event.workflow.id, event.count])).toEqual([
		['wf-1', 1],
		['wf-2', 1],
		['wf-1', 3],
	]);
	expect(events[2].executionIds.sort()).toEqual(['102', '103', '104']);
});

test('the execution index does not announce again what was pushed, and announces what was not', async () => {
	const failed = (id: number) => ({
		id,
		workflowId: 'wf-1',
		status: 'error' as const,
		mode: 'webhook',
		startedAt: new Date().toISOString(),
		stoppedAt: new Date().toISOString(),
		data: { resultData: { error: { message: 'Request failed', node: { name: 'HTTP Request' } } } },
	});
	store.executions!.add(failed(100)); // the first indexing reads the history
	await index();
	store.executions!.add(failed(101), failed(102), failed(106));
	await index();
	const events = await sentEvents();
	expect(events).toHaveLength(4);
	expect(events[3]).toMatchObject({ workflow: { id: 'wf-1' }, count: 1, executionIds: ['106'] });
	// And what the index announced is not announced again when pushed late.
	expect((await push(failure('106'))).body).toEqual({ duplicate: true });
});

test('a report without the right signature, stale, or not a report is refused with the reason', async () => {
	const refused = async (...args: Parameters<typeof push>) => {
		const { status, body } = await push(...args);
		return [status, body.error.message];
	};
	expect(await refused(failure('200'), { secret: 'f'.repeat(64) })).toEqual([
		401,
		'The report’s x-workflowops-signature does not match: install the reporting workflow again',
	]);
	expect(await refused(failure('200'), { age: 600 })).toEqual([
		401,
		'The report was signed more than 5 minutes from now: check both clocks',
	]);
	expect(await refused('{"executionId":')).toEqual([400, 'The request body is not valid JSON']);
	expect(await refused({ executionId: '200', errorMessage: 3 })).toEqual([
		400,
		'Invalid request body: workflowId is required; errorMessage must be a string',
	]);
	const unsigned = await fetch(`${setup.companion.url}/api/v1/hooks/n8n/${prod}`, { method: 'POST', body: '{}' });
	expect(unsigned.status).toBe(401);
	expect(((await unsigned.json()) as any).error.message).toBe(
		'The report has no x-workflowops-timestamp header (seconds since 1970)',
	);
	expect(await sentEvents()).toHaveLength(4);
});

test('installing again gives a new secret to the same workflow: reports signed with the old one are refused', async () => {
	const before = reportingWorkflowIn();
	const oldSecret = secretInN8n();
	const { body } = await api('POST', `/environments/${prod}/failure-reporting`, {});
	expect(body.reporting.workflowId).toBe(before.id);
	expect(hookUrl()).toBe(`http://127.0.0.1/api/v1/hooks/n8n/${prod}`); // the public URL by default
	expect(secretInN8n()).not.toBe(oldSecret);
	expect((await push(failure('300'), { secret: oldSecret })).status).toBe(401);
	expect((await push(failure('300'))).status).toBe(202);
});

test('it can be made the error workflow of every workflow that has none, in a job; one of their own is kept', async () => {
	await syncAndFollow(setup.companion, setup.admin, prod);
	const { body } = await api('POST', `/environments/${prod}/failure-reporting`, { setAsErrorWorkflow: true });
	const events = await readEvents(`${setup.companion.url}/api/v1/jobs/${body.job.id}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});
	const { result } = events.at(-1)!.data;
	expect(result.changed.map((outcome: { workflowId: string }) => outcome.workflowId)).toEqual(['wf-1']);
	expect(result.unchanged.map((outcome: { workflowId: string }) => outcome.workflowId)).toEqual(['wf-2']);
	const reportingId = reportingWorkflowIn().id;
	expect(store.workflows.get('wf-1')!.settings).toMatchObject({ errorWorkflow: reportingId });
	expect(store.workflows.get('wf-2')!.settings).toMatchObject({ errorWorkflow: 'their-own' });
	expect(store.workflows.get(reportingId)!.settings?.errorWorkflow).toBeUndefined();
});

test('the environment page shows the reporting and, to admins, the form that installs it again', async () => {
	for (const [email, role] of [
		['ops@example.com', 'admin'],
		['look@example.com', 'viewer'],
	] as const)
		await createUser(setup.companion.db, CLI_CONTEXT, { email, password: 'correct horse battery', role });
	const viewer = await signedInClient(setup.companion, 'look@example.com');
	const seen = await (await viewer.get(`/environments/${prod}`)).text();
	expect(seen).toContain('Failure reporting from n8n');
	expect(seen).toMatch(/Installed \d{4}-\d\d-\d\d \d\d:\d\d UTC as the workflow/);
	expect(seen).not.toContain('Install again');

	const admin = await signedInClient(setup.companion, 'ops@example.com');
	const page = await (await admin.get(`/environments/${prod}`)).text();
	expect(page).toContain('value="http://127.0.0.1"'); // where it reports now
	const wrong = await admin.post(
		`/environments/${prod}/failure-reporting`,
		{ companionUrl: 'not a url' },
		{ 'hx-request': 'true' },
	);
	expect(wrong.status).toBe(422);
	expect(await wrong.text()).toContain(
		'The companion address must be an http:// or https:// URL such as https://workflowops.example.com',
	);
	const secret = secretInN8n();
	const done = await admin.post(
		`/environments/${prod}/failure-reporting`,
		{ companionUrl: 'http://10.0.0.5:3000', setAsErrorWorkflow: 'true' },
		{ 'hx-request': 'true' },
	);
	expect(done.status).toBe(200);
	const partial = await done.text();
	expect(partial).toContain('sse-connect="/jobs/'); // setting error workflows, followed
	expect(partial).toContain('value="http://10.0.0.5:3000"');
	expect(hookUrl()).toBe(`http://10.0.0.5:3000/api/v1/hooks/n8n/${prod}`);
	expect(secretInN8n()).not.toBe(secret);
	expect(partial).not.toContain(secretInN8n());
});

test('installing needs an admin and a usable address', async () => {
	const developer = await setup.companion.token('developer');
	expect((await api('POST', `/environments/${prod}/failure-reporting`, {}, developer)).status).toBe(403);
	const wrong = await api('POST', `/environments/${prod}/failure-reporting`, { companionUrl: 'ftp://x' });
	expect(wrong.status).toBe(400);
	expect(wrong.body.error.message).toBe(
		'Invalid request body: companionUrl must be an http:// or https:// URL such as https://workflowops.example.com',
	);
});

async function index() {
	const started = await api('POST', `/environments/${prod}/executions/index`);
	const events = await readEvents(`${setup.companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${setup.admin}`,
	});
	expect(events.at(-1)!.data.status).toBe('succeeded');
}
