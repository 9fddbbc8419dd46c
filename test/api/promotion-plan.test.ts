import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { httpWorkflow } from '../support/workflows';

/** A workflow whose one node posts to Slack with the credential `id` named `name`. */
const slackWorkflow = (id: string, name: string, credential: { id: string; name: string }): N8nWorkflow => ({
	...httpWorkflow(0),
	id,
	name,
	nodes: [
		{
			id: 's',
			name: 'Post',
			type: 'n8n-nodes-base.slack',
			typeVersion: 2,
			position: [0, 0],
			parameters: { text: 'hi' },
			credentials: { slackApi: credential },
		},
	],
});

/** A parent running `childId` through an Execute Workflow node (a resource locator from the list). */
const parentWorkflow = (id: string, childId: string, fields: Partial<N8nWorkflow> = {}): N8nWorkflow => ({
	...httpWorkflow(0),
	id,
	name: 'Parent',
	nodes: [
		{
			id: 'e',
			name: 'Run child',
			type: 'n8n-nodes-base.executeWorkflow',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: {
				workflowId: {
					__rl: true,
					mode: 'list',
					value: childId,
					cachedResultName: 'Child',
					cachedResultUrl: `/workflow/${childId}`,
				},
			},
		},
	],
	settings: { errorWorkflow: childId },
	...fields,
});

const devStore = fakeWorkflowStore();
const prodStore = fakeWorkflowStore();
let companion: Companion;
let admin: string;
let prodUrl: string;
let prod: string;
let dev: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, prod, dev, prodUrl, close } = await companionWithDevAndProd(devStore, prodStore));
});
afterAll(() => close());

/** Both instances as given, synced, and prod's current state approved as its baseline. */
async function given(devWorkflows: N8nWorkflow[], prodWorkflows: N8nWorkflow[]) {
	devStore.reset(devWorkflows);
	prodStore.reset(prodWorkflows);
	for (const environmentId of [dev, prod]) await syncAndFollow(companion, admin, environmentId);
	await companion.api(admin, 'POST', `/api/v1/environments/${prod}/baseline`, {});
}

const plan = (body: object) =>
	companion.api(admin, 'POST', '/api/v1/promotions/plan', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: prod,
		...body,
	});

const prodUser = slackWorkflow('p-wf', 'Prod alerts', { id: 'p-1', name: 'Team Slack' });

test('a first promotion: credentials by type and name, the child it runs added first, its references remapped', async () => {
	await given(
		[
			slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' }),
			parentWorkflow('d-p', 'd-c'),
			{ ...httpWorkflow(3), id: 'd-c', name: 'Child' },
		],
		[prodUser],
	);
	const { status, body } = await plan({ workflowIds: ['d-a', 'd-p'] });
	expect(status).toBe(200);
	expect(body.blockers).toEqual([]);
	expect(body.items.map((item: any) => [item.name, item.status, item.action, item.dependency, item.link])).toEqual([
		['Child', 'ADDED', 'create', true, 'new'],
		['Alerts', 'ADDED', 'create', false, 'new'],
		['Parent', 'ADDED', 'create', false, 'new'],
	]);
	const alerts = body.items.find((item: any) => item.name === 'Alerts');
	expect(alerts).toMatchObject({
		risk: 'MEDIUM',
		substitutions: [{ node: 'Post', kind: 'credential', from: 'd-1', to: 'p-1', how: 'name' }],
	});
	const parent = body.items.find((item: any) => item.name === 'Parent');
	expect(parent.substitutions).toEqual([
		{
			node: 'settings.errorWorkflow',
			kind: 'workflow',
			from: 'd-c',
			to: 'created-by-promotion:d-c',
			how: 'created_by_promotion',
		},
		{ node: 'Run child', kind: 'workflow', from: 'd-c', to: 'created-by-promotion:d-c', how: 'created_by_promotion' },
	]);
	expect(body.summary).toEqual({
		counts: { ADDED: 3, MODIFIED: 0, DELETED: 0, UNCHANGED: 0, TARGET_HOTFIX: 0 },
		highestRisk: 'MEDIUM',
		writes: 3,
	});
	expect(body.planHash).toMatch(/^[0-9a-f]{64}$/);
	expect((await plan({ workflowIds: ['d-a', 'd-p'] })).body.planHash).toBe(body.planHash);
});

test('a workflow the target already has under the same name: matched, and UNCHANGED when it holds the same content', async () => {
	const devCopy = slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' });
	const prodCopy = slackWorkflow('p-a', 'Alerts', { id: 'p-1', name: 'Team Slack' });
	await given([devCopy], [prodCopy]);
	const same = await plan({ workflowIds: ['d-a'] });
	expect(same.body.items).toEqual([
		expect.objectContaining({ status: 'UNCHANGED', action: 'none', targetWorkflowId: 'p-a', link: 'by_name' }),
	]);
	expect(same.body.summary.writes).toBe(0);

	devStore.workflows.get('d-a')!.nodes[0].parameters = { text: 'changed in dev' };
	const changed = await plan({ workflowIds: ['d-a'] });
	expect(changed.body.items[0]).toMatchObject({ status: 'MODIFIED', action: 'update', risk: expect.any(String) });
	expect(changed.body.items[0].diff.changes.length).toBeGreaterThan(0);
	expect(changed.body.planHash).not.toBe(same.body.planHash);
});

test('a target workflow that a shift of n8n’s pages hides from its list is found by id, not made again', async () => {
	const devCopy = slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' });
	await given([devCopy], [slackWorkflow('p-a', 'Alerts', { id: 'p-1', name: 'Team Slack' })]);
	prodStore.unlisted.add('p-a');
	try {
		const { body } = await plan({ workflowIds: ['d-a'] });
		expect(body.items).toEqual([
			expect.objectContaining({ status: 'UNCHANGED', action: 'none', targetWorkflowId: 'p-a' }),
		]);
	} finally {
		prodStore.unlisted.clear();
	}
});

test('a hand edit in the target since its baseline blocks as TARGET_HOTFIX, unless overridden', async () => {
	await given(
		[slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' })],
		[slackWorkflow('p-a', 'Alerts', { id: 'p-1', name: 'Team Slack' })],
	);
	devStore.workflows.get('d-a')!.nodes[0].parameters = { text: 'new in dev' };
	prodStore.workflows.get('p-a')!.nodes[0].parameters = { text: 'hotfix in prod' };
	const blocked = await plan({ workflowIds: ['d-a'] });
	expect(blocked.body.items[0]).toMatchObject({ status: 'TARGET_HOTFIX', action: 'update' });
	expect(blocked.body.items[0].hotfixDiff.changes.length).toBeGreaterThan(0);
	expect(blocked.body.blockers).toEqual([
		expect.objectContaining({
			code: 'target_hotfix',
			message: expect.stringMatching(
				/^"Alerts" in "prod": it was edited there by hand since its baseline \(MEDIUM parameters: Post\)\. List p-a in overrideHotfixes to overwrite it$/,
			),
		}),
	]);
	const overridden = await plan({ workflowIds: ['d-a'], overrideHotfixes: ['p-a'] });
	expect(overridden.body.blockers).toEqual([]);
	expect(overridden.body.items[0].warnings).toEqual([
		'in "prod", it was edited there by hand since its baseline (MEDIUM parameters: Post); the override lets the promotion overwrite it (kept in the pre-promotion snapshot)',
	]);
});

test('every credential and reference that cannot be carried over blocks, in words', async () => {
	await given(
		[
			slackWorkflow('d-a', 'Alerts', { id: 'd-9', name: 'Other Slack' }),
			parentWorkflow('d-p', 'd-gone'),
			{
				...parentWorkflow('d-x', 'x', { name: 'Broken' }),
				nodes: [
					{ ...parentWorkflow('d-x', 'x').nodes[0], name: 'Nowhere', parameters: { workflowId: '${undefined}' } },
					{ ...parentWorkflow('d-x', 'x').nodes[0], name: 'Dynamic', parameters: { workflowId: '={{ $json.id }}' } },
				],
				settings: {},
			},
		],
		[prodUser],
	);
	const { body } = await plan({ workflowIds: ['d-a', 'd-p', 'd-x'] });
	expect(body.blockers.map((blocker: any) => [blocker.code, blocker.message])).toEqual([
		[
			'credential_missing',
			'"Alerts", node "Post": "prod" has no slackApi credential named "Other Slack": create it there, or bind the slackApi credential "Other Slack" to one it has',
		],
		['reference_invalid', '"Broken": the node "Nowhere" names no workflow it can run ("${undefined}")'],
		[
			'reference_missing',
			'"Parent", its error workflow: the workflow d-gone is not in "prod" and this promotion does not include it',
		],
		[
			'reference_missing',
			'"Parent", node "Run child": the workflow d-gone is not in "prod" and this promotion does not include it',
		],
	]);
	expect(body.items.find((item: any) => item.name === 'Broken').warnings).toEqual([
		'the node "Dynamic" chooses its workflow by an expression, left as it is',
	]);

	await companion.api(admin, 'PUT', '/api/v1/credential-bindings', {
		sourceEnvironmentId: dev,
		sourceCredentialId: 'd-9',
		targetEnvironmentId: prod,
		targetCredentialId: 'p-1',
	});
	const bound = await plan({ workflowIds: ['d-a'] });
	expect(bound.body.blockers).toEqual([]);
	expect(bound.body.items[0].substitutions).toEqual([
		{ node: 'Post', kind: 'credential', from: 'd-9', to: 'p-1', how: 'binding' },
	]);
});

test('drift in the target outside the plan blocks, unless the stage allows it; no baseline blocks', async () => {
	await given([slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' })], [prodUser]);
	prodStore.workflows.set('p-new', { ...httpWorkflow(8), id: 'p-new', name: 'Made in prod' });
	const { body } = await plan({ workflowIds: ['d-a'] });
	expect(body.blockers).toEqual([
		expect.objectContaining({
			code: 'target_drift',
			message:
				'"prod" has drifted from its baseline outside this promotion: "Made in prod" (added). Resolve the drift, or allow drift elsewhere on the stage',
		}),
	]);
	const pipeline = await companion.api(admin, 'POST', '/api/v1/pipelines', {
		name: 'Lenient',
		stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod, allowDriftElsewhere: true }],
	});
	const lenient = await companion.api(admin, 'POST', '/api/v1/promotions/plan', {
		pipelineId: pipeline.body.id,
		stage: 0,
		workflowIds: ['d-a'],
	});
	expect(lenient.body).toMatchObject({
		blockers: [],
		pipelineId: pipeline.body.id,
		stage: { allowDriftElsewhere: true },
	});

	const fresh = await companion.environment(admin, { name: 'fresh', baseUrl: prodUrl, apiKey: 'k' });
	const unwatched = await companion.api(admin, 'POST', '/api/v1/promotions/plan', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: fresh.id,
		workflowIds: ['d-a'],
	});
	expect(unwatched.body.blockers).toEqual([
		{
			code: 'target_no_baseline',
			message:
				'"fresh" has no approved baseline, so hand edits there cannot be told apart: approve its current state first',
		},
	]);
});

test('bad plan requests are refused with what is wrong', async () => {
	await given([slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' })], [prodUser]);
	const refused = async (body: object, raw = false) => {
		const answer = raw ? await companion.api(admin, 'POST', '/api/v1/promotions/plan', body) : await plan(body);
		return [answer.status, answer.body.error.message];
	};
	expect(await refused({})).toEqual([
		400,
		'Invalid request body: must select workflows in one way: workflowIds, canonicalIds, tag or changedOnly',
	]);
	expect(await refused({ workflowIds: ['d-a'], tag: 'x' })).toEqual([
		400,
		'Invalid request body: must select workflows in one way: workflowIds, canonicalIds, tag or changedOnly',
	]);
	expect(await refused({ workflowIds: ['d-a'], pipelineId: 'p', stage: 0 })).toEqual([
		400,
		'Invalid request body: must name sourceEnvironmentId and targetEnvironmentId, or pipelineId and stage',
	]);
	expect(await refused({ workflowIds: ['nope'] })).toEqual([422, 'The source has no workflow nope']);
	expect(await refused({ workflowIds: ['d-a'], targetEnvironmentId: 'gone' })).toEqual([
		422,
		'No environment has the id gone',
	]);
	expect(await refused({ workflowIds: ['d-a'], targetEnvironmentId: dev })).toEqual([
		400,
		'targetEnvironmentId must differ from sourceEnvironmentId',
	]);
	const pipeline = await companion.api(admin, 'POST', '/api/v1/pipelines', {
		name: 'One stage',
		stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod }],
	});
	expect(await refused({ pipelineId: pipeline.body.id, stage: 3, workflowIds: ['d-a'] }, true)).toEqual([
		422,
		'The pipeline "One stage" has 1 stage (0 to 0): there is no stage 3',
	]);
	const viewer = await companion.token('viewer');
	expect((await companion.api(viewer, 'POST', '/api/v1/promotions/plan', { changedOnly: true })).status).toBe(403);
});

test('a target workflow made by hand, which the promotion would overwrite by its name, is a TARGET_HOTFIX too', async () => {
	await given([slackWorkflow('d-a', 'Alerts', { id: 'd-1', name: 'Team Slack' })], [prodUser]);
	prodStore.workflows.set('p-a', { ...slackWorkflow('p-a', 'Alerts', { id: 'p-1', name: 'Team Slack' }), nodes: [] });
	const { body } = await plan({ workflowIds: ['d-a'] });
	expect(body.items[0]).toMatchObject({ status: 'TARGET_HOTFIX', link: 'by_name', targetWorkflowId: 'p-a' });
	expect(body.items[0].hotfixDiff).toBeUndefined();
	expect(body.blockers.map((blocker: any) => blocker.message)).toEqual([
		'"Alerts" in "prod": it was made there by hand: its baseline does not have it. List p-a in overrideHotfixes to overwrite it',
	]);
	expect((await plan({ workflowIds: ['d-a'], overrideHotfixes: ['p-a'] })).body.blockers).toEqual([]);
});
