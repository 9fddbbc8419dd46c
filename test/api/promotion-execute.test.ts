import type { Companion } from '../support/companion';
import { startFakeGitHub } from '../support/fake-github';
import { companionWithDevAndProd, type FakeWorkflowStore, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { callerOf, httpWorkflow } from '../support/workflows';

const child = { ...httpWorkflow(9), id: 'd-child', name: 'Child' };
const parent = { ...callerOf('Parent', 'd-child'), id: 'd-parent', active: false } as typeof child;
const devStore = fakeWorkflowStore();
const prodStore = fakeWorkflowStore();
let companion: Companion;
let requester: string;
let approver: string;
let developer: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;

const devWorkflows = () => [
	{ ...httpWorkflow(1), id: 'd-1', name: 'Invoice sync', tags: [{ id: 't', name: 'billing' }] },
	{ ...httpWorkflow(2), id: 'd-2', name: 'Lead capture' },
	{ ...httpWorkflow(3), id: 'd-3', name: 'Nightly report' },
	child,
	parent,
];

beforeAll(async () => {
	devStore.reset(devWorkflows());
	({ companion, admin: requester, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore));
	[approver, developer] = await Promise.all([companion.token('admin'), companion.token('developer')]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
});
afterAll(() => close());
beforeEach(() => {
	devStore.reset(devWorkflows());
	prodStore.fault = undefined;
});

async function approved(workflowIds: string[], extra: object = {}) {
	const requested = await companion.api(requester, 'POST', '/api/v1/promotions', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: prod,
		workflowIds,
		...extra,
	});
	expect(requested.status).toBe(201);
	await companion.api(approver, 'POST', `/api/v1/promotions/${requested.body.id}/approve`, {});
	return requested.body.id as string;
}

async function execute(id: string) {
	const started = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/execute`);
	if (started.status !== 202) return { started, job: undefined, promotion: undefined };
	await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, { authorization: `Bearer ${requester}` });
	const job = (await companion.api(requester, 'GET', `/api/v1/jobs/${started.body.id}`)).body;
	const promotion = (await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body;
	return { started, job, promotion };
}

const state = (store: FakeWorkflowStore) =>
	structuredClone([...store.workflows.values()].sort((a, b) => a.id.localeCompare(b.id)));

test('an approved promotion writes each workflow, children first, with its tags; the baseline and links follow', async () => {
	const id = await approved(['d-1', 'd-parent']);
	const { started, job, promotion } = await execute(id);
	expect(started.status).toBe(202);
	expect(job).toMatchObject({ status: 'succeeded', kind: 'promotion.execute' });
	expect(promotion).toMatchObject({
		status: 'COMPLETED',
		execution: {
			status: 'applied',
			safetySnapshotId: expect.any(String),
			steps: [
				{ action: 'create', name: 'Child', state: 'done' },
				{ action: 'create', name: 'Invoice sync', state: 'done' },
				{ action: 'create', name: 'Parent', state: 'done' },
			],
		},
	});
	const [childId, invoiceId, parentId] = promotion.execution.steps.map((step: any) => step.resultId);
	const written = prodStore.workflows.get(parentId)!;
	expect(written.nodes[0].parameters.workflowId).toMatchObject({ value: childId });
	expect(written.settings).toEqual({ errorWorkflow: childId });
	expect(JSON.stringify(written)).not.toContain('d-child');
	expect(prodStore.workflows.get(invoiceId)).toMatchObject({ active: false, tags: [{ name: 'billing' }] });

	// The promoted content is the target's baseline: no drift; and nothing is left to promote.
	const check = await companion.api(requester, 'POST', `/api/v1/environments/${prod}/drift-checks`, { wait: 10 });
	expect(check.body.check).toMatchObject({ status: 'IN_SYNC', counts: { IN_SYNC: 3 } });
	const again = await companion.api(requester, 'POST', '/api/v1/promotions/plan', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: prod,
		workflowIds: ['d-1', 'd-parent'],
	});
	// The child is in the target now: it is no longer a dependency to add, and the parent names it there.
	expect(again.body.items.map((item: any) => [item.name, item.status, item.link])).toEqual([
		['Invoice sync', 'UNCHANGED', 'linked'],
		['Parent', 'UNCHANGED', 'linked'],
	]);
	const audit = await companion.api(requester, 'GET', `/api/v1/audit?resourceId=${id}`);
	expect(audit.body.data.map((entry: any) => entry.action)).toEqual([
		'promotion.complete',
		'promotion.execute',
		'promotion.approve',
		'promotion.request',
	]);
	const twice = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/execute`);
	expect([twice.status, twice.body.error.message]).toEqual([409, 'The promotion is completed: it cannot be executed']);
});

test('a write refused on the k-th workflow rolls everything back: the target is as before, created workflows gone', async () => {
	// Lead capture exists in prod (linked by name) and is updated; the others are created.
	prodStore.reset([{ ...httpWorkflow(2, 'https://old.example.com'), id: 'p-2', name: 'Lead capture', active: true }]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const before = state(prodStore);
	const id = await approved(['d-1', 'd-2', 'd-3'], { overrideHotfixes: [] });
	let posts = 0;
	prodStore.fault = (method) =>
		method === 'POST' && ++posts === 2
			? { status: 400, message: 'request/body must NOT have additional properties' }
			: undefined;
	const { job, promotion } = await execute(id);
	expect(job.status).toBe('failed');
	expect(job.error).toBe(
		'Promoting "Nightly report" failed: n8n "prod" answered with an error — HTTP 400: request/body must NOT have additional properties. Nothing was left changed in "prod".',
	);
	expect(promotion).toMatchObject({
		status: 'ROLLED_BACK',
		execution: {
			status: 'undone',
			steps: [
				{ action: 'create', name: 'Invoice sync', state: 'undone' },
				{ action: 'create', name: 'Nightly report', state: 'undone' },
			],
		},
	});
	expect(state(prodStore)).toEqual(before);
	const audit = await companion.api(requester, 'GET', `/api/v1/audit?resourceId=${id}`);
	expect(audit.body.data[0]).toMatchObject({
		action: 'promotion.rollback',
		metadata: { failedStep: 'Nightly report', undoFailures: [] },
	});
});

test('an update that fails after writing is put back, with its active state', async () => {
	prodStore.reset([{ ...httpWorkflow(2, 'https://old.example.com'), id: 'p-2', name: 'Lead capture', active: true }]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const before = state(prodStore);
	const id = await approved(['d-2']);
	// The update lands but reads back changed: the promotion stops and writes the old content back.
	let gets = 0;
	prodStore.fault = (method, workflowId) => {
		if (method === 'GET' && workflowId === 'p-2' && ++gets === 2) {
			prodStore.workflows.get('p-2')!.nodes[0].parameters.url = 'https://tampered.example.com';
		}
		return undefined;
	};
	const { job, promotion } = await execute(id);
	expect(job.error).toMatch(/^Promoting "Lead capture" failed: it read back different from what was written: /);
	expect(promotion.status).toBe('ROLLED_BACK');
	expect(state(prodStore)).toEqual(before);
});

test('refused before any write: not approved, a developer, a changed source (plan_stale), a busy target', async () => {
	const pending = await companion.api(requester, 'POST', '/api/v1/promotions', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: prod,
		workflowIds: ['d-3'],
	});
	const early = await companion.api(requester, 'POST', `/api/v1/promotions/${pending.body.id}/execute`);
	expect([early.status, early.body.error.message]).toEqual([
		409,
		'The promotion is waiting for approval: it cannot be executed',
	]);
	expect((await companion.api(developer, 'POST', `/api/v1/promotions/${pending.body.id}/execute`)).status).toBe(403);
	expect((await companion.api(requester, 'POST', '/api/v1/promotions/nope/execute')).status).toBe(404);

	const id = await approved(['d-3']);
	devStore.workflows.get('d-3')!.nodes[0].parameters.url = 'https://changed.example.com';
	const stale = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/execute`);
	expect(stale.status).toBe(409);
	expect(stale.body.error).toMatchObject({
		message:
			'The source or the target changed since this promotion was planned (plan_stale): cancel it and request a new one',
		details: { reason: 'plan_stale' },
	});
	expect((await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body.status).toBe('APPROVED');
});

test('two executes at once to one target: exactly one runs', async () => {
	const [first, second] = [await approved(['d-1']), await approved(['d-2'])];
	prodStore.delayMs = 100;
	try {
		const answers = await Promise.all(
			[first, first, second].map((id) => companion.api(requester, 'POST', `/api/v1/promotions/${id}/execute`)),
		);
		expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409, 409]);
		const running = answers.find((answer) => answer.status === 202)!;
		await readEvents(`${companion.url}/api/v1/jobs/${running.body.id}/events`, {
			authorization: `Bearer ${requester}`,
		});
		expect(answers.filter((answer) => answer.status === 409).map((answer) => answer.body.error.message)).toEqual(
			expect.arrayContaining([expect.stringMatching(/^(Another change to this n8n is running|The promotion is)/)]),
		);
	} finally {
		prodStore.delayMs = 0;
	}
});

test('a completed promotion rolls back as a promotion of its own: created workflows go, updated ones come back', async () => {
	prodStore.reset([{ ...httpWorkflow(2, 'https://old.example.com'), id: 'p-2', name: 'Lead capture', active: true }]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const before = state(prodStore);
	const id = await approved(['d-1', 'd-2']);
	expect((await execute(id)).promotion.status).toBe('COMPLETED');
	expect(state(prodStore)).not.toEqual(before);

	const early = await companion.api(requester, 'POST', `/api/v1/promotions/${await approved(['d-3'])}/rollback`, {});
	expect([early.status, early.body.error.message]).toEqual([
		409,
		'The promotion is approved: it cannot be rolled back',
	]);
	expect((await companion.api(developer, 'POST', `/api/v1/promotions/${id}/rollback`, {})).status).toBe(403);

	const started = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/rollback`, {
		reason: 'bad release',
	});
	expect(started.status).toBe(202);
	await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, { authorization: `Bearer ${requester}` });
	const job = (await companion.api(requester, 'GET', `/api/v1/jobs/${started.body.id}`)).body;
	expect(job).toMatchObject({ status: 'succeeded', kind: 'promotion.rollback' });
	expect(state(prodStore)).toEqual(before);
	expect((await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body.status).toBe('ROLLED_BACK');
	const rollback = (await companion.api(requester, 'GET', `/api/v1/promotions/${job.result.rollbackId}`)).body;
	expect(rollback).toMatchObject({
		status: 'COMPLETED',
		rollbackOf: id,
		reason: 'bad release',
		plan: { summary: { counts: { DELETED: 1, MODIFIED: 1 } } },
		execution: { status: 'applied' },
	});
	const again = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/rollback`, {});
	expect([again.status, again.body.error.message]).toEqual([
		409,
		'The promotion is rolled back: it cannot be rolled back',
	]);
	const ofRollback = await companion.api(requester, 'POST', `/api/v1/promotions/${rollback.id}/rollback`, {});
	expect([ofRollback.status, ofRollback.body.error.message]).toEqual([
		409,
		'This promotion is itself a rollback: promote the workflows again to go forward',
	]);
});

test('a rollback refuses to overwrite a change made in the target since, unless overridden', async () => {
	prodStore.reset([]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const id = await approved(['d-3']);
	const { promotion } = await execute(id);
	const created = promotion.execution.steps[0].resultId;
	prodStore.workflows.get(created)!.nodes[0].parameters.url = 'https://hotfix.example.com';
	const refused = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/rollback`, {});
	expect(refused.status).toBe(422);
	expect(refused.body.error.details.blockers).toEqual([
		{
			code: 'target_hotfix',
			targetWorkflowId: created,
			message: `"Nightly report" was changed in "prod" since the promotion wrote it: list ${created} in overrideHotfixes to put it back anyway`,
		},
	]);
	const forced = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/rollback`, {
		overrideHotfixes: [created],
	});
	expect(forced.status).toBe(202);
	await readEvents(`${companion.url}/api/v1/jobs/${forced.body.id}/events`, { authorization: `Bearer ${requester}` });
	expect(prodStore.workflows.has(created)).toBe(false);
});

test('completion and rollback are announced to webhooks, each recorded with the change it announces', async () => {
	const hook = await companion.api(requester, 'POST', '/api/v1/webhooks', {
		url: 'http://127.0.0.1:9/hook',
		events: ['promotion.completed', 'promotion.rolled_back', 'promotion.failed'],
	});
	expect(hook.status).toBe(201);
	prodStore.reset([]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const done = await approved(['d-1']);
	expect((await execute(done)).promotion.status).toBe('COMPLETED');
	prodStore.fault = (method) => (method === 'POST' ? { status: 400, message: 'no' } : undefined);
	const refused = await approved(['d-2']);
	expect((await execute(refused)).promotion.status).toBe('ROLLED_BACK');
	const { data } = (await companion.api(requester, 'GET', `/api/v1/webhooks/${hook.body.id}/deliveries`)).body;
	expect(data.map((delivery: any) => delivery.eventType).reverse()).toEqual([
		'promotion.completed',
		'promotion.rolled_back',
	]);
	await companion.api(requester, 'DELETE', `/api/v1/webhooks/${hook.body.id}`);
});

test('into a target with a Git mirror, a completed promotion is one commit of the environment it left', async () => {
	const github = await startFakeGitHub({
		owner: 'acme',
		repo: 'prod-workflows',
		branch: 'main',
		token: 'ghp_0123456789abcdef',
	});
	try {
		const mirror = await companion.api(requester, 'PUT', `/api/v1/environments/${prod}/git`, {
			apiUrl: github.url,
			owner: 'acme',
			repo: 'prod-workflows',
			branch: 'main',
			pathPrefix: 'prod/',
			token: 'ghp_0123456789abcdef',
		});
		expect(mirror.status).toBe(200);
		prodStore.reset([]);
		await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
		const { job } = await execute(await approved(['d-1']));
		expect(job.result).toMatchObject({ gitCommit: github.head() });
		expect([...github.files().keys()].filter((file) => file.includes('invoice-sync'))).toHaveLength(1);

		github.fault = () => ({ status: 500, body: { message: 'down' } });
		const broken = await execute(await approved(['d-3']));
		expect(broken.promotion.status).toBe('COMPLETED');
		expect(broken.job.result.gitError).toMatch(/^the promotion is done, but its commit to the Git mirror failed: /);
	} finally {
		await companion.api(requester, 'DELETE', `/api/v1/environments/${prod}/git`);
		await github.close();
	}
});

test('a stage that archives deletions deletes what the source no longer has; its rollback brings it back', async () => {
	prodStore.reset([]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	expect((await execute(await approved(['d-3']))).promotion.status).toBe('COMPLETED');
	devStore.reset(devWorkflows().filter((workflow) => workflow.id !== 'd-3'));
	await syncAndFollow(companion, requester, dev);
	const pipeline = await companion.api(requester, 'POST', '/api/v1/pipelines', {
		name: 'archiving',
		stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod, deletions: 'archive' }],
	});
	// It runs in prod: unpublished first, then deleted.
	const running = [...prodStore.workflows.values()].find((workflow) => workflow.name === 'Nightly report')!;
	running.active = true;
	const before = state(prodStore);
	const writes: string[] = [];
	prodStore.fault = (method, id, _body, verb) => {
		if (method !== 'GET') writes.push([method, id, verb].filter(Boolean).join(' '));
		return undefined;
	};
	const requested = await companion.api(requester, 'POST', '/api/v1/promotions', {
		pipelineId: pipeline.body.id,
		stage: 0,
		changedOnly: true,
	});
	expect(requested.status).toBe(201);
	const deleted = requested.body.plan.items.find((item: any) => item.status === 'DELETED');
	expect(deleted).toMatchObject({ name: 'Nightly report', action: 'delete' });
	await companion.api(approver, 'POST', `/api/v1/promotions/${requested.body.id}/approve`, {});
	const { promotion } = await execute(requested.body.id);
	expect(promotion.status).toBe('COMPLETED');
	expect([...prodStore.workflows.values()].map((workflow) => workflow.name)).not.toContain('Nightly report');
	expect(writes.filter((write) => write.includes(running.id))).toEqual([
		`POST ${running.id} deactivate`,
		`DELETE ${running.id}`,
	]);
	prodStore.fault = undefined;

	const rollback = await companion.api(requester, 'POST', `/api/v1/promotions/${requested.body.id}/rollback`, {});
	await readEvents(`${companion.url}/api/v1/jobs/${rollback.body.id}/events`, { authorization: `Bearer ${requester}` });
	const after = state(prodStore);
	expect(after.map((workflow) => workflow.name)).toEqual(before.map((workflow) => workflow.name));
	const { id: _id, createdAt: _createdAt, ...content } = before[0];
	expect(after[0]).toMatchObject(content);
	expect(after[0].id).not.toBe(before[0].id);
	await companion.api(requester, 'DELETE', `/api/v1/pipelines/${pipeline.body.id}`);
});

test('the stage’s windows are checked again when it runs: closed since the approval, it is refused unwritten', async () => {
	prodStore.reset([]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const id = await approved(['d-1']);
	// As if a deny window had begun since: the stage the promotion was requested under now denies.
	const row = await companion.db
		.selectFrom('promotions')
		.select('stage')
		.where('id', '=', id)
		.executeTakeFirstOrThrow();
	const stage = {
		...JSON.parse(row.stage),
		windows: [{ kind: 'deny', schedule: '* * * * *', duration: '1h', timeZone: 'UTC' }],
	};
	await companion.db
		.updateTable('promotions')
		.set({ stage: JSON.stringify(stage) })
		.where('id', '=', id)
		.execute();
	const refused = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/execute`);
	expect([refused.status, refused.body.error.message]).toEqual([
		422,
		'The stage’s windows allow no promotion within the next year',
	]);
	expect(prodStore.workflows.size).toBe(0);
	expect((await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body.status).toBe('APPROVED');
}, 20_000); // nextAllowed steps an hour at a time through a year of a window open every minute: seconds of CPU

test('new workflows that name one another are created, then the first written again with the other’s id', async () => {
	prodStore.reset([]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	// The error handler runs Notify; Notify's error workflow is the error handler.
	devStore.workflows.set('d-handler', {
		...callerOf('Error handler', 'd-notify'),
		id: 'd-handler',
		active: false,
	} as any);
	devStore.workflows.set('d-notify', {
		...httpWorkflow(7),
		id: 'd-notify',
		name: 'Notify',
		settings: { errorWorkflow: 'd-handler' },
	});
	const id = await approved(['d-handler']);
	const { promotion } = await execute(id);
	expect(promotion.execution.steps.map((step: any) => [step.action, step.name])).toEqual([
		['create', 'Error handler'],
		['create', 'Notify'],
		['update', 'Error handler'],
	]);
	const [handler, notify] = promotion.execution.steps.map((step: any) => step.resultId);
	expect(prodStore.workflows.get(notify)!.settings).toEqual({ errorWorkflow: handler });
	expect(prodStore.workflows.get(handler)!.nodes[0].parameters.workflowId).toMatchObject({ value: notify });
	expect(JSON.stringify([...prodStore.workflows.values()])).not.toContain('created-by-promotion');

	const rollback = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/rollback`, {});
	await readEvents(`${companion.url}/api/v1/jobs/${rollback.body.id}/events`, { authorization: `Bearer ${requester}` });
	expect(prodStore.workflows.size).toBe(0);
});

test('a rollback that fails and cannot undo what it did ends FAILED, naming what is left; the promotion stays COMPLETED', async () => {
	prodStore.reset([]);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
	const id = await approved(['d-1', 'd-2']);
	const { promotion } = await execute(id);
	const [first, second] = promotion.execution.steps.map((step: any) => step.resultId);
	// The rollback deletes the second, then the first is refused; putting the second back is refused too.
	prodStore.fault = (method, workflowId) =>
		(method === 'DELETE' && workflowId === first) || method === 'POST' ? { status: 400, message: 'locked' } : undefined;
	const started = await companion.api(requester, 'POST', `/api/v1/promotions/${id}/rollback`, {});
	await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, { authorization: `Bearer ${requester}` });
	const job = (await companion.api(requester, 'GET', `/api/v1/jobs/${started.body.id}`)).body;
	expect(job.error).toMatch(
		new RegExp(
			`^The rollback of promotion ${id} stopped at "Invoice sync": n8n "prod" answered with an error — HTTP 400: locked\\. Could not undo: "Lead capture" \\(${second}\\): `,
		),
	);
	const rollback = (await companion.api(requester, 'GET', `/api/v1/promotions?status=FAILED`)).body.data[0];
	expect(rollback).toMatchObject({ rollbackOf: id, status: 'FAILED' });
	expect((await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body.status).toBe('COMPLETED');
	prodStore.fault = undefined;
});
