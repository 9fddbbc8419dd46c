import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

const devStore = fakeWorkflowStore([
	{ ...httpWorkflow(1), id: 'd-1', name: 'Invoice sync' },
	{ ...httpWorkflow(2), id: 'd-2', name: 'Lead capture' },
]);
const prodStore = fakeWorkflowStore([]);
let companion: Companion;
let requester: string;
let secondAdmin: string;
let thirdAdmin: string;
let developer: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin: requester, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore));
	[secondAdmin, thirdAdmin, developer] = await Promise.all([
		companion.token('admin'),
		companion.token('admin'),
		companion.token('developer'),
	]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
});
afterAll(() => close());

const request = (token: string, body: object = {}, headers: Record<string, string> = {}) =>
	fetch(`${companion.url}/api/v1/promotions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
		body: JSON.stringify({ sourceEnvironmentId: dev, targetEnvironmentId: prod, workflowIds: ['d-1'], ...body }),
	}).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
const act = (token: string, id: string, verb: string, body: object = {}) =>
	companion.api(token, 'POST', `/api/v1/promotions/${id}/${verb}`, body);
const stage = async (gates: object) => {
	const { body } = await companion.api(requester, 'POST', '/api/v1/pipelines', {
		name: `gates ${Math.random()}`,
		stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod, ...gates }],
	});
	return { pipelineId: body.id, stage: 0, sourceEnvironmentId: undefined, targetEnvironmentId: undefined };
};

test('into prod a promotion waits for one approval, never the requester’s; another admin’s approves it', async () => {
	const requested = await request(requester, { reason: 'release 42' });
	expect(requested.status).toBe(201);
	expect(requested.body).toMatchObject({
		status: 'PENDING_APPROVAL',
		reason: 'release 42',
		requiredApprovals: 1,
		approvals: 0,
		plan: { items: [expect.objectContaining({ name: 'Invoice sync', action: 'create' })], summary: { writes: 1 } },
	});
	const id = requested.body.id;
	const own = await act(requester, id, 'approve');
	expect([own.status, own.body.error.message]).toEqual([
		403,
		'You requested this promotion: it must be approved by another admin (or another admin token)',
	]);
	const approved = await act(secondAdmin, id, 'approve', { comment: 'looks right', decidedBy: 'Dana (Slack)' });
	expect(approved.body).toMatchObject({
		status: 'APPROVED',
		approvals: 1,
		decisions: [
			{
				decision: 'approve',
				comment: 'looks right',
				decidedBy: 'Dana (Slack)',
				planHash: requested.body.plan.planHash,
			},
		],
	});
	const late = await act(thirdAdmin, id, 'approve');
	expect([late.status, late.body.error.message]).toEqual([409, 'The promotion is approved: it cannot be approved']);
	const audit = await companion.api(requester, 'GET', `/api/v1/audit?resourceId=${id}`);
	expect(audit.body.data.map((entry: any) => entry.action)).toEqual(['promotion.approve', 'promotion.request']);
	// The request checked the target for drift, and kept that check.
	const { driftCheckId } = audit.body.data[1].metadata;
	const check = await companion.api(requester, 'GET', `/api/v1/environments/${prod}/drift-checks/${driftCheckId}`);
	expect(check.body).toMatchObject({ trigger: 'promotion', status: 'IN_SYNC' });
	expect(audit.body.data[0].metadata).toMatchObject({ decidedBy: 'Dana (Slack)', status: 'APPROVED' });
});

test('two approvals: each admin approves once; a reject needs a reason and ends it', async () => {
	const gates = await stage({ requiredApprovals: 2 });
	const { body } = await request(requester, gates);
	expect(body).toMatchObject({ status: 'PENDING_APPROVAL', requiredApprovals: 2, pipelineId: gates.pipelineId });
	expect((await act(secondAdmin, body.id, 'approve')).body).toMatchObject({ status: 'PENDING_APPROVAL', approvals: 1 });
	const twice = await act(secondAdmin, body.id, 'approve');
	expect([twice.status, twice.body.error.message]).toEqual([409, 'You have already approved this promotion']);
	const bare = await act(thirdAdmin, body.id, 'reject', { comment: ' ' });
	expect([bare.status, bare.body.error.message]).toEqual([
		400,
		'Invalid request body: comment must say why it is rejected',
	]);
	expect((await act(thirdAdmin, body.id, 'reject', { comment: 'not this week' })).body).toMatchObject({
		status: 'REJECTED',
	});
	const after = await act(thirdAdmin, body.id, 'approve');
	expect([after.status, after.body.error.message]).toEqual([409, 'The promotion is rejected: it cannot be approved']);
});

test('a plan at or under the stage’s risk ceiling needs no approval', async () => {
	const { status, body } = await request(developer, await stage({ autoApproveMaxRisk: 'HIGH' }));
	expect([status, body.status, body.requiredApprovals]).toEqual([201, 'APPROVED', 0]);
});

test('the requester or an admin cancels before it runs; a developer neither approves nor cancels another’s', async () => {
	const mine = await request(developer);
	expect((await act(developer, mine.body.id, 'approve')).status).toBe(403);
	const cancelled = await act(developer, mine.body.id, 'cancel', { comment: 'wrong workflow' });
	expect(cancelled.body.status).toBe('CANCELLED');
	const again = await act(developer, mine.body.id, 'cancel');
	expect([again.status, again.body.error.message]).toEqual([409, 'The promotion is cancelled: it cannot be cancelled']);
	const theirs = await request(requester);
	const other = await companion.token('developer');
	const refused = await act(other, theirs.body.id, 'cancel');
	expect([refused.status, refused.body.error.message]).toEqual([
		403,
		'Only the requester or an admin may cancel a promotion',
	]);
	expect((await act(secondAdmin, theirs.body.id, 'cancel')).body.status).toBe('CANCELLED');
});

test('an Idempotency-Key returns the first promotion to a retry, and refuses another request under it', async () => {
	const first = await request(developer, {}, { 'Idempotency-Key': 'release-42' });
	const retry = await request(developer, {}, { 'Idempotency-Key': 'release-42' });
	expect(retry.body.id).toBe(first.body.id);
	const other = await request(developer, { workflowIds: ['d-2'] }, { 'Idempotency-Key': 'release-42' });
	expect([other.status, other.body.error.message]).toEqual([
		409,
		'This Idempotency-Key was used for another promotion request: use a new key for a new request',
	]);
	const together = await Promise.all([
		request(developer, {}, { 'Idempotency-Key': 'at-once' }),
		request(developer, {}, { 'Idempotency-Key': 'at-once' }),
	]);
	expect(together.map((answer) => answer.status)).toEqual([201, 201]);
	expect(together[1].body.id).toBe(together[0].body.id);
	// The key is the caller's own: another caller may use the same one.
	expect((await request(requester, {}, { 'Idempotency-Key': 'release-42' })).body.id).not.toBe(first.body.id);
});

test('what cannot be promoted is refused with why', async () => {
	devStore.workflows.set('d-3', {
		...httpWorkflow(3),
		id: 'd-3',
		name: 'Needs a key',
		nodes: [{ ...httpWorkflow(3).nodes[0], credentials: { httpHeaderAuth: { id: 'k-1', name: 'ERP key' } } }],
	});
	const blocked = await request(developer, { workflowIds: ['d-3'] });
	expect(blocked.status).toBe(422);
	expect(blocked.body.error.message).toBe(
		'The promotion is blocked: "Needs a key", node "Call": "prod" has no httpHeaderAuth credential named "ERP key": create it there, or bind the httpHeaderAuth credential "ERP key" to one it has',
	);
	expect(blocked.body.error.details.blockers).toEqual([expect.objectContaining({ code: 'credential_missing' })]);

	prodStore.workflows.set('p-1', { ...httpWorkflow(1), id: 'p-1', name: 'Invoice sync' });
	devStore.workflows.set('d-1', { ...httpWorkflow(1), id: 'd-1', name: 'Invoice sync' });
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const nothing = await request(developer);
	expect([nothing.status, nothing.body.error.message]).toEqual([
		422,
		'Nothing to promote: the target already has every selected workflow as the source has it',
	]);

	const closed = await request(developer, {
		workflowIds: ['d-2'],
		...(await stage({ windows: [{ kind: 'allow', schedule: '0 0 1 1 *', duration: '1m' }] })),
	});
	expect(closed.status).toBe(422);
	expect(closed.body.error.message).toMatch(
		/^The stage's windows do not allow promotions now; the next allowed time is \d{4}-01-01T00:00:00.000Z$/,
	);
	const override = await request(developer, { workflowIds: ['d-2'], overrideHotfixes: ['p-1'] });
	expect([override.status, override.body.error.message]).toEqual([
		403,
		'Only an admin may override hand edits in the target (overrideHotfixes)',
	]);
});

test('promotions are listed newest first, filtered; viewers read them', async () => {
	const viewer = await companion.token('viewer');
	const all = await companion.api(viewer, 'GET', '/api/v1/promotions?limit=100');
	expect(all.status).toBe(200);
	expect(all.body.data.length).toBeGreaterThan(3);
	const times = all.body.data.map((promotion: any) => promotion.createdAt);
	expect(times).toEqual([...times].sort().reverse());
	const cancelled = await companion.api(viewer, 'GET', '/api/v1/promotions?status=CANCELLED');
	expect(cancelled.body.data.every((promotion: any) => promotion.status === 'CANCELLED')).toBe(true);
	expect(cancelled.body.data[0]).toMatchObject({ summary: { writes: 1 }, planHash: expect.any(String) });
	expect(cancelled.body.data[0].plan).toBeUndefined();
	expect((await companion.api(viewer, 'POST', '/api/v1/promotions', {})).status).toBe(403);
	expect((await companion.api(viewer, 'GET', '/api/v1/promotions/nope')).status).toBe(404);
});
