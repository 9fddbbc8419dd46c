import { NodeApiError } from 'n8n-workflow';
import { Promote } from '../../nodes/Promote/Promote.node';
import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';
import { listSearch, loadOptions, runNode } from './harness';

const node = new Promote();
const devStore = fakeWorkflowStore([
	{ ...httpWorkflow(1), id: 'd-1', name: 'Invoice sync', tags: [{ id: 't', name: 'billing' }] },
	{ ...httpWorkflow(2), id: 'd-2', name: 'Lead capture' },
]);
const prodStore = fakeWorkflowStore([]);
let companion: Companion;
let requester: string;
let approver: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin: requester, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore));
	approver = await companion.token('admin');
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
});
afterAll(() => close());

const run = (token: string, parameters: object) =>
	runNode({ node, credentials: { baseUrl: companion.url, apiToken: token }, parameters: [parameters as any] });
const byName = (value: string) => ({ __rl: true, mode: 'name', value });
const between = { sourceEnvironmentId: byName('dev'), targetEnvironmentId: byName('prod') };

test('Plan gives one item per workflow for an IF to branch on, each with the plan’s hash and blockers', async () => {
	const [items] = await run(requester, {
		operation: 'plan',
		...between,
		selection: 'tag',
		tag: 'billing',
		options: {},
	});
	expect(items.map(({ json }) => [json.name, json.status, json.action, json.risk])).toEqual([
		['Invoice sync', 'ADDED', 'create', 'MEDIUM'],
	]);
	expect(items[0].json).toMatchObject({ planHash: expect.stringMatching(/^[0-9a-f]{64}$/), planBlockers: [] });
	const [all] = await run(requester, { operation: 'plan', ...between, selection: 'changed', options: {} });
	expect(all.map(({ json }) => json.name)).toEqual(['Invoice sync', 'Lead capture']);
});

test('Request, then Approve as another admin naming who decided; Get shows it; the requester cannot approve', async () => {
	const [[requested]] = await run(requester, {
		operation: 'request',
		...between,
		selection: 'ids',
		workflowIds: 'd-1',
		options: { reason: 'release 42' },
	});
	expect(requested.json).toMatchObject({ status: 'PENDING_APPROVAL', reason: 'release 42' });
	const promotionId = { __rl: true, mode: 'id', value: requested.json.id };

	const own = run(requester, { operation: 'approve', promotionId, comment: '', decidedBy: '' });
	await expect(own).rejects.toThrow(NodeApiError);
	await expect(own).rejects.toThrow('You requested this promotion: it must be approved by another admin');

	const [[approved]] = await run(approver, {
		operation: 'approve',
		promotionId,
		comment: 'ok',
		decidedBy: 'dana@example.com',
	});
	expect(approved.json).toMatchObject({ status: 'APPROVED', decisions: [{ decidedBy: 'dana@example.com' }] });
	const [[got]] = await run(approver, {
		operation: 'get',
		promotionId: { __rl: true, mode: 'list', value: requested.json.id },
	});
	expect(got.json).toMatchObject({ id: requested.json.id, status: 'APPROVED' });

	const { results } = await listSearch(
		{ node, credentials: { baseUrl: companion.url, apiToken: approver } },
		'searchPromotions',
	);
	expect(results[0]).toEqual({
		name: expect.stringMatching(/^dev → prod · approved · 1 workflow · \d{4}-\d\d-\d\d \d\d:\d\d$/),
		value: requested.json.id,
	});
});

test('Reject needs its comment; Cancel ends a request; List filters by status', async () => {
	const request = async () =>
		(
			await run(requester, { operation: 'request', ...between, selection: 'ids', workflowIds: 'd-2', options: {} })
		)[0][0].json;
	const first = await request();
	const [[rejected]] = await run(approver, {
		operation: 'reject',
		promotionId: { __rl: true, mode: 'id', value: first.id },
		comment: 'not this week',
		decidedBy: '',
	});
	expect(rejected.json.status).toBe('REJECTED');
	const second = await request();
	const [[cancelled]] = await run(requester, {
		operation: 'cancel',
		promotionId: { __rl: true, mode: 'id', value: second.id },
		comment: '',
	});
	expect(cancelled.json.status).toBe('CANCELLED');
	const [listed] = await run(approver, { operation: 'list', filters: { status: 'REJECTED' }, returnAll: true });
	expect(listed.map(({ json }) => json.id)).toEqual([first.id]);
});

test('Plan through a pipeline stage, picked from the list of every pipeline’s stages', async () => {
	const pipeline = (
		await companion.api(requester, 'POST', '/api/v1/pipelines', {
			name: 'Release',
			stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod, allowDriftElsewhere: true }],
		})
	).body;
	const stages = await loadOptions(
		{ node, credentials: { baseUrl: companion.url, apiToken: requester } },
		'getPipelineStages',
	);
	expect(stages).toEqual([{ name: 'Release · dev → prod', value: `${pipeline.id}:0` }]);
	const [items] = await run(requester, {
		operation: 'plan',
		route: 'pipeline',
		pipelineStage: stages[0].value,
		selection: 'ids',
		workflowIds: 'd-2',
		options: {},
	});
	expect(items.map(({ json }) => [json.name, json.action])).toEqual([['Lead capture', 'create']]);
});

test('Execute waits for the run and returns the completed promotion; Roll Back puts the target back', async () => {
	const [[requested]] = await run(requester, {
		operation: 'request',
		...between,
		selection: 'ids',
		workflowIds: 'd-2',
		options: {},
	});
	const promotionId = { __rl: true, mode: 'id', value: requested.json.id };
	await run(approver, { operation: 'approve', promotionId, comment: '', decidedBy: '' });
	const [[executed]] = await run(approver, { operation: 'execute', promotionId });
	expect(executed.json).toMatchObject({ status: 'COMPLETED', execution: { status: 'applied' } });
	const created = (executed.json.execution as any).steps[0].resultId as string;
	expect(prodStore.workflows.has(created)).toBe(true);

	prodStore.workflows.get(created)!.name = 'Lead capture (edited in prod)';
	const refused = run(approver, { operation: 'rollback', promotionId, reason: '', overrideHotfixes: '' });
	await expect(refused).rejects.toThrow(NodeApiError);
	await expect(refused).rejects.toThrow(/^The rollback is blocked: "Lead capture \(edited in prod\)" was changed/);
	const [[rolledBack]] = await run(approver, {
		operation: 'rollback',
		promotionId,
		reason: 'wrong release',
		overrideHotfixes: ` ${created} `,
	});
	expect(rolledBack.json).toMatchObject({ status: 'ROLLED_BACK' });
	expect(prodStore.workflows.has(created)).toBe(false);

	const again = run(approver, { operation: 'execute', promotionId });
	await expect(again).rejects.toThrow('The promotion is rolled back: it cannot be executed');
});

test('Approve Operation runs what a class policy held for approval; Reject Operation says why; never the requester', async () => {
	const policy = (activation: string) =>
		companion.api(requester, 'PATCH', '/api/v1/policies/classes/dev', { activation });
	const ask = async () =>
		(
			await companion.api(requester, 'POST', `/api/v1/environments/${dev}/activation`, {
				workflowIds: ['d-1'],
				active: true,
			})
		).body.approvalRequest;
	try {
		await policy('requires_approval');
		const first = await ask();
		await expect(run(requester, { operation: 'approveOperation', requestId: first.id, comment: '' })).rejects.toThrow(
			/another admin/,
		);
		const [[approved]] = await run(approver, {
			operation: 'approveOperation',
			requestId: ` ${first.id} `,
			comment: 'ok',
			decidedBy: 'dana@example.com',
		});
		expect(approved.json).toMatchObject({
			status: 'APPROVED',
			decisions: [{ decision: 'approve', decidedBy: 'dana@example.com' }],
			outcome: { job: { kind: 'workflows.activation' } },
		});

		const second = await ask();
		const [[rejected]] = await run(approver, {
			operation: 'rejectOperation',
			requestId: second.id,
			comment: 'not now',
			decidedBy: '',
		});
		expect(rejected.json).toMatchObject({ status: 'REJECTED', decisions: [{ comment: 'not now' }] });
		await expect(run(approver, { operation: 'rejectOperation', requestId: 'nope', comment: 'x' })).rejects.toThrow(
			NodeApiError,
		);
	} finally {
		await policy('allowed');
	}
});

test('Activate and Deactivate Workflows wait for the job: one item per workflow, a failure with its reason; under a policy, the request or the warning', async () => {
	const switchIn = (operation: string, ids: string, more: object = {}) =>
		run(requester, { operation, environmentId: byName('dev'), switchWorkflowIds: ids, ...more });
	const [items] = await switchIn('activate', 'd-2, gone');
	expect(items.map((item) => item.json)).toEqual([
		{ workflowId: 'd-2', name: 'Lead capture', environmentId: dev, operation: 'activate', status: 'changed' },
		expect.objectContaining({ workflowId: 'gone', operation: 'activate', status: 'failed', error: expect.any(String) }),
	]);
	expect(devStore.workflows.get('d-2')!.active).toBe(true);
	const [[again]] = await switchIn('activate', 'd-2');
	expect(again.json).toMatchObject({ workflowId: 'd-2', status: 'unchanged' });
	const [[off]] = await switchIn('deactivate', 'd-2', { switchReason: 'paused for the audit' });
	expect(off.json).toMatchObject({ workflowId: 'd-2', operation: 'deactivate', status: 'changed' });
	expect(devStore.workflows.get('d-2')!.active).toBe(false);

	const policy = (activation: string) =>
		companion.api(requester, 'PATCH', '/api/v1/policies/classes/dev', { activation });
	try {
		await policy('requires_approval');
		const [[held]] = await switchIn('activate', 'd-2', { switchReason: 'launch' });
		const request = held.json.approvalRequest as { id: string };
		expect(request).toMatchObject({ status: 'PENDING_APPROVAL', reason: 'launch' });
		expect(devStore.workflows.get('d-2')!.active).toBe(false);
		await companion.api(requester, 'POST', `/api/v1/operation-requests/${request.id}/cancel`, {});

		await policy('warn');
		await expect(switchIn('activate', 'd-2')).rejects.toThrow(/confirm/i);
		const [[confirmed]] = await switchIn('activate', 'd-2', { confirm: true });
		expect(confirmed.json).toMatchObject({ workflowId: 'd-2', status: 'changed' });
	} finally {
		await policy('allowed');
	}
});
