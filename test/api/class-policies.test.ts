import { failOrphanedRequests, INTERRUPTED } from '../../service/domain/approvals/operation-requests';
import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { startFakeN8n } from '../support/fake-n8n';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';
import { recordedEvents } from '../support/events';

const prodStore = fakeWorkflowStore(
	Array.from({ length: 3 }, (_, i) => ({ ...httpWorkflow(i + 1), active: true, name: `Flow ${i + 1}` })),
);
const stagingStore = fakeWorkflowStore([{ ...httpWorkflow(1), name: 'Staged' }]);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let staging: string;
let secondAdmin: string;
let closeStaging: () => Promise<void>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(prodStore, { withAdmin: true });
	const n8n = await startFakeN8n(stagingStore.handler);
	closeStaging = n8n.close;
	staging = (
		await setup.companion.environment(setup.admin, { name: 'staging', baseUrl: n8n.url, apiKey: 'k', class: 'staging' })
	).id;
	secondAdmin = await setup.companion.token('admin');
	await setup.companion.api(setup.admin, 'POST', '/api/v1/webhooks', {
		url: 'http://127.0.0.1:9/hook',
		events: ['operation.approval_requested', 'operation.approved', 'operation.rejected', 'drift.detected'],
	});
	for (const id of [setup.environmentId, staging]) await syncAndFollow(setup.companion, setup.admin, id);
});
afterAll(async () => {
	await closeStaging();
	await setup.close();
});

const api = (method: string, path: string, body?: unknown, token = setup.admin) =>
	setup.companion.api(token, method, `/api/v1${path}`, body);
const eventsOf = (prefix: string) => recordedEvents(setup.companion.db, prefix);
const follow = async (jobId: string) =>
	(
		await readEvents(`${setup.companion.url}/api/v1/jobs/${jobId}/events`, { authorization: `Bearer ${setup.admin}` })
	).at(-1)!.data;

test('the policy table has the seed’s defaults; admins change a class’s rules, audited; bad rules and roles are refused', async () => {
	const { status, body } = await api('GET', '/policies/classes');
	expect(status).toBe(200);
	expect(body.classes).toEqual({
		dev: { direct_edit: 'allowed', activation: 'allowed', delete: 'allowed', upload: 'allowed', restore: 'allowed' },
		staging: { direct_edit: 'warn', activation: 'allowed', delete: 'warn', upload: 'allowed', restore: 'allowed' },
		prod: {
			direct_edit: 'blocked',
			activation: 'requires_approval',
			delete: 'requires_approval',
			upload: 'blocked',
			restore: 'requires_approval',
		},
	});

	const changed = await api('PATCH', '/policies/classes/dev', { restore: 'warn' });
	expect(changed.status).toBe(200);
	expect(changed.body).toMatchObject({ restore: 'warn', activation: 'allowed' });
	const audit = await api('GET', '/audit?action=policy.class_update');
	expect(audit.body.data[0]).toMatchObject({
		resourceId: 'dev',
		metadata: { changes: { restore: { from: 'allowed', to: 'warn' } } },
	});
	expect((await api('PATCH', '/policies/classes/dev', { restore: 'allowed' })).status).toBe(200);

	const upload = await api('PATCH', '/policies/classes/prod', { upload: 'requires_approval' });
	expect(upload.status).toBe(400);
	expect(JSON.stringify(upload.body)).toContain('upload may be allowed, warn, blocked');
	expect((await api('PATCH', '/policies/classes/qa', { upload: 'warn' })).status).toBe(400);
	expect((await api('PATCH', '/policies/classes/dev', {})).status).toBe(400);
	expect((await api('PATCH', '/policies/classes/dev', { restore: 'maybe' })).status).toBe(400);
	const developer = await setup.companion.token('developer');
	expect((await api('PATCH', '/policies/classes/dev', { restore: 'warn' }, developer)).status).toBe(403);
	expect((await api('GET', '/policies/classes', undefined, developer)).status).toBe(200);
});

test('a prod deactivation waits for another admin; approved, it runs as a job; the requester cannot approve it', async () => {
	const asked = await api('POST', `/environments/${setup.environmentId}/activation`, {
		workflowIds: ['wf-1', 'wf-2'],
		active: false,
		reason: 'maintenance window',
	});
	expect(asked.status).toBe(202);
	const request = asked.body.approvalRequest;
	expect(request).toMatchObject({
		status: 'PENDING_APPROVAL',
		action: 'activation',
		kind: 'activation',
		summary: 'Deactivate "Flow 1", "Flow 2"',
		reason: 'maintenance window',
		environment: { id: setup.environmentId, class: 'prod' },
	});
	expect([...prodStore.workflows.values()].map((workflow) => workflow.active)).toEqual([true, true, true]);

	const inbox = await api('GET', '/operation-requests?status=PENDING_APPROVAL');
	expect(inbox.body.data.map((entry: any) => entry.id)).toContain(request.id);

	const own = await api('POST', `/operation-requests/${request.id}/approve`, {});
	expect(own.status).toBe(403);
	expect(own.body.error.message).toContain('another admin');
	const developer = await setup.companion.token('developer');
	expect((await api('POST', `/operation-requests/${request.id}/approve`, {}, developer)).status).toBe(403);

	const approved = await api('POST', `/operation-requests/${request.id}/approve`, { comment: 'go' }, secondAdmin);
	expect(approved.status).toBe(200);
	expect(approved.body).toMatchObject({ status: 'APPROVED', decisions: [{ decision: 'approve', comment: 'go' }] });
	const final = await follow(approved.body.outcome.job.id);
	expect(final.result.changed.map((entry: any) => entry.workflowId)).toEqual(['wf-1', 'wf-2']);
	expect([...prodStore.workflows.values()].map((workflow) => workflow.active)).toEqual([false, false, true]);

	expect((await api('POST', `/operation-requests/${request.id}/approve`, {}, secondAdmin)).status).toBe(409);
	const announced = (await eventsOf('operation.')).filter((event) => event.data.request.id === request.id);
	expect(announced.map((event) => event.type)).toEqual(['operation.approval_requested', 'operation.approved']);
	expect(announced[0].data).toMatchObject({
		environment: { id: setup.environmentId, name: 'prod', class: 'prod' },
		request: { summary: 'Deactivate "Flow 1", "Flow 2"', status: 'PENDING_APPROVAL' },
	});
	const audit = await api('GET', `/audit?resourceId=${request.id}`);
	expect(audit.body.data.map((entry: any) => entry.action).sort()).toEqual(['operation.approve', 'operation.request']);
});

test('a rejected or cancelled request never runs; a rejection says why', async () => {
	const ask = async () =>
		(await api('DELETE', `/environments/${setup.environmentId}/workflows/wf-3`, { confirmName: 'Flow 3' })).body
			.approvalRequest;
	const first = await ask();
	expect(first.summary).toBe('Delete "Flow 3" for good');
	expect((await api('POST', `/operation-requests/${first.id}/reject`, {}, secondAdmin)).status).toBe(400);
	const rejected = await api('POST', `/operation-requests/${first.id}/reject`, { comment: 'not today' }, secondAdmin);
	expect(rejected.body).toMatchObject({ status: 'REJECTED' });
	expect((await api('POST', `/operation-requests/${first.id}/approve`, {}, secondAdmin)).status).toBe(409);

	const second = await ask();
	expect((await api('POST', `/operation-requests/${second.id}/cancel`, { comment: 'wrong one' })).body.status).toBe(
		'CANCELLED',
	);
	expect(prodStore.workflows.has('wf-3')).toBe(true);
	expect((await api('GET', '/operation-requests/nope')).status).toBe(404);
});

test('an approved request that cannot run is FAILED with the reason', async () => {
	const asked = await api('DELETE', `/environments/${setup.environmentId}/workflows/wf-3`, { confirmName: 'Wrong' });
	const approved = await api('POST', `/operation-requests/${asked.body.approvalRequest.id}/approve`, {}, secondAdmin);
	expect(approved.body).toMatchObject({ status: 'FAILED', outcome: null });
	expect(approved.body.error).toContain('type the workflow’s name');
	expect(prodStore.workflows.has('wf-3')).toBe(true);
});

test('staging warns before a delete: refused without confirm, done and recorded with it; prod blocks uploads', async () => {
	const path = `/environments/${staging}/workflows/wf-1`;
	const unconfirmed = await api('DELETE', path, { confirmName: 'Staged' });
	expect(unconfirmed.status).toBe(409);
	expect(unconfirmed.body.error).toMatchObject({
		details: { policy: 'warn', action: 'delete', environmentClass: 'staging' },
	});
	expect(stagingStore.workflows.has('wf-1')).toBe(true);

	const confirmed = await api('DELETE', path, { confirmName: 'Staged', confirm: true });
	expect(confirmed.status).toBe(200);
	expect(confirmed.body).toMatchObject({ workflowId: 'wf-1', name: 'Staged' });
	expect(stagingStore.workflows.has('wf-1')).toBe(false);
	const audit = await api('GET', '/audit?action=policy.confirm');
	expect(audit.body.data[0]).toMatchObject({ environmentId: staging, metadata: { action: 'delete' } });

	const upload = await fetch(`${setup.companion.url}/api/v1/environments/${setup.environmentId}/import`, {
		method: 'POST',
		headers: { authorization: `Bearer ${setup.admin}`, 'content-type': 'application/json' },
		body: JSON.stringify({ ...httpWorkflow(9), name: 'Uploaded' }),
	});
	expect(upload.status).toBe(403);
	expect(((await upload.json()) as any).error.message).toContain('Upload workflows in prod environments is blocked');
});

test('the UI: the environment shows its class policy, asks for approval, and the inbox approves; admins edit the table', async () => {
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'second@example.com',
		password: 'correct horse battery',
		role: 'admin',
	});
	const owner = await signedInClient(setup.companion, 'owner@example.com');
	const page = await (await owner.get(`/environments/${setup.environmentId}`)).text();
	expect(page).toContain('Ask to deactivate');
	expect(page).toContain('Blocked by the prod policy');

	const asked = await owner.post(`/environments/${setup.environmentId}/activation`, {
		workflowIds: 'wf-1',
		active: 'true',
	});
	expect(asked.status).toBe(202);
	const text = await asked.text();
	expect(text).toContain('waits for approval');
	const id = /\/approvals\/([0-9a-f-]+)/.exec(text)![1];

	const inbox = await (await owner.get('/approvals')).text();
	expect(inbox).toContain('Activate &quot;Flow 1&quot;');
	expect(await (await owner.get(`/approvals/${id}`)).text()).toContain('You asked for this');

	const second = await signedInClient(setup.companion, 'second@example.com');
	expect(await (await second.get(`/approvals/${id}`)).text()).toContain('Approve and run');
	const approved = await second.post(`/approvals/${id}/approve`, { comment: '' });
	expect(approved.status).toBe(303);
	const after = await (await second.get(`/approvals/${id}`)).text();
	expect(after).toContain('It ran as');

	const policies = await (await owner.get('/policies')).text();
	expect(policies).toContain('name="prod.upload"');
	expect((await owner.post('/policies', { 'prod.upload': 'warn' })).status).toBe(303);
	expect((await api('GET', '/policies/classes')).body.classes.prod.upload).toBe('warn');
	const refused = await owner.post('/policies', { 'prod.upload': 'requires_approval' });
	expect(refused.status).toBe(422);
	expect(await refused.text()).toContain('upload may be allowed, warn, blocked');
	expect((await api('PATCH', '/policies/classes/prod', { upload: 'blocked' })).status).toBe(200);
});

test('drift in prod is announced with what the class policy says of direct edits', async () => {
	await api('POST', `/environments/${setup.environmentId}/baseline`, {});
	prodStore.workflows.get('wf-2')!.name = 'Edited by hand';
	const check = await api('POST', `/environments/${setup.environmentId}/drift-checks`);
	expect(check.status).toBe(201);
	const [detected] = await eventsOf('drift.detected');
	expect(detected.data).toMatchObject({ environment: { class: 'prod' }, directEditPolicy: 'blocked' });
});

test('an approved deletion’s page says what was deleted and links the snapshot that can bring it back', async () => {
	const path = `/environments/${setup.environmentId}/workflows/wf-3`;
	const { approvalRequest } = (await api('DELETE', path, { confirmName: 'Flow 3' })).body;
	const approved = await api('POST', `/operation-requests/${approvalRequest.id}/approve`, {}, secondAdmin);
	expect(approved.body.outcome.result).toMatchObject({ workflowId: 'wf-3', snapshotId: expect.any(String) });
	expect(prodStore.workflows.has('wf-3')).toBe(false);
	const owner = await signedInClient(setup.companion, 'owner@example.com');
	const page = await (await owner.get(`/approvals/${approvalRequest.id}`)).text();
	expect(page).toContain('“Flow 3” is deleted from prod.');
	expect(page).toContain(`href="/snapshots/${approved.body.outcome.result.snapshotId}"`);
});

test('a request approved by a replica gone but stopped while starting is FAILED when taken over, saying so; audited', async () => {
	const { approvalRequest } = (
		await api('POST', `/environments/${setup.environmentId}/activation`, { workflowIds: ['wf-1'], active: false })
	).body;
	// As a crash between the approval's commit and the operation's start leaves it.
	await setup.companion.db
		.updateTable('operation_requests')
		.set({ status: 'APPROVED' })
		.where('id', '=', approvalRequest.id)
		.execute();
	const takeOver = () => setup.companion.db.transaction().execute((trx) => failOrphanedRequests(trx, CLI_CONTEXT));
	expect(await takeOver()).toEqual([approvalRequest.id]);
	expect((await api('GET', `/operation-requests/${approvalRequest.id}`)).body).toMatchObject({
		status: 'FAILED',
		error: INTERRUPTED,
	});
	const audit = await api('GET', '/audit?action=operation.interrupted');
	expect(audit.body.data[0]).toMatchObject({ resourceId: approvalRequest.id });
	expect(await takeOver()).toEqual([]);
});
