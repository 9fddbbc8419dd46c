import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const shell = {
	...httpWorkflow(1),
	id: 'd-1',
	name: 'Shell runner',
	nodes: [
		{
			id: 'x',
			name: 'Run',
			type: 'n8n-nodes-base.executeCommand',
			typeVersion: 1,
			position: [0, 0] as [number, number],
			parameters: { command: 'ls' },
		},
	],
};
const devStore = fakeWorkflowStore([
	shell,
	{ ...httpWorkflow(2, 'http://legacy.example.com'), id: 'd-2', name: 'Legacy call' },
	{ ...httpWorkflow(3, 'https://erp.example.com'), id: 'd-3', name: 'Clean call' },
]);
let companion: Companion;
let admin: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, dev, prod, close } = await companionWithDevAndProd(devStore, fakeWorkflowStore([]), {
		withAdmin: true,
	}));
	await companion.api(admin, 'POST', `/api/v1/environments/${prod}/baseline`, {});
});
afterAll(() => close());

const plan = async (workflowIds: string[]) =>
	(
		await companion.api(admin, 'POST', '/api/v1/promotions/plan', {
			sourceEnvironmentId: dev,
			targetEnvironmentId: prod,
			workflowIds,
		})
	).body;
const rules = (body: unknown, token = admin) => companion.api(token, 'PATCH', '/api/v1/policies/content-rules', body);

test('a promotion into prod is blocked by what the content rules call an error there, each named (gate policy)', async () => {
	const planned = await plan(['d-1', 'd-2', 'd-3']);
	const byWorkflow = new Map(planned.blockers.map((blocker: any) => [blocker.workflowId, blocker]));
	expect(planned.blockers).toHaveLength(2);
	expect(byWorkflow.get('d-1')).toEqual({
		code: 'policy',
		workflowId: 'd-1',
		rule: 'banned_node',
		node: 'Run',
		message:
			'"Shell runner", node "Run": uses n8n-nodes-base.executeCommand, which is not allowed (an error under the prod content rules)',
	});
	expect(byWorkflow.get('d-2')).toMatchObject({ code: 'policy', rule: 'plain_http', node: 'Call' });
	const clean = planned.items.find((item: any) => item.sourceWorkflowId === 'd-3');
	expect(clean.blockers).toEqual([]);
	expect(clean.findings).toEqual([expect.objectContaining({ rule: 'no_error_workflow', severity: 'warning' })]);

	const refused = await companion.api(admin, 'POST', '/api/v1/promotions', {
		sourceEnvironmentId: dev,
		targetEnvironmentId: prod,
		workflowIds: ['d-1'],
	});
	expect(refused.status).toBe(422);
	expect(refused.body.error.details.blockers[0]).toMatchObject({ code: 'policy', rule: 'banned_node' });
});

test('admins configure the rules: a severity per class, banned types, the schedule floor; audited; bad input refused', async () => {
	const changed = await rules({
		severity: { banned_node: { prod: 'warning' } },
		bannedNodeTypes: ['n8n-nodes-base.httpRequest'],
	});
	expect(changed.status).toBe(200);
	expect(changed.body.severity.banned_node).toEqual({ dev: 'warning', staging: 'error', prod: 'warning' });
	expect((await companion.api(admin, 'GET', '/api/v1/policies/content-rules')).body).toEqual(changed.body);

	const planned = await plan(['d-1', 'd-3']);
	expect(planned.blockers).toEqual([]);
	const clean = planned.items.find((item: any) => item.sourceWorkflowId === 'd-3');
	expect(clean.findings.map((finding: any) => [finding.rule, finding.severity])).toContainEqual([
		'banned_node',
		'warning',
	]);
	const findings = await companion.api(admin, 'GET', `/api/v1/environments/${dev}/findings`);
	expect(findings.body.workflows.map((workflow: any) => workflow.name)).toContain('Clean call');

	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=policy.rules_update');
	expect(audit.body.data[0].metadata.update.severity).toEqual({ banned_node: { prod: 'warning' } });

	expect((await rules({ severity: { made_up: { prod: 'off' } } })).status).toBe(400);
	expect((await rules({ severity: { plain_http: { prod: 'fatal' } } })).status).toBe(400);
	expect((await rules({ scheduleFloorSeconds: 0 })).status).toBe(400);
	const developer = await companion.token('developer');
	expect((await rules({ scheduleFloorSeconds: 30 }, developer)).status).toBe(403);
	await rules({
		severity: { banned_node: { prod: 'error' } },
		bannedNodeTypes: ['n8n-nodes-base.executeCommand', 'n8n-nodes-base.ssh'],
	});
});

test('the policies page edits the content rules; a wrong value is refused in words', async () => {
	const owner = await signedInClient(companion, 'owner@example.com');
	const page = await (await owner.get('/policies')).text();
	expect(page).toContain('name="plain_http.prod"');
	expect(page).toContain('n8n-nodes-base.executeCommand\nn8n-nodes-base.ssh');
	const saved = await owner.post('/policies/content-rules', {
		'plain_http.prod': 'warning',
		bannedNodeTypes: 'n8n-nodes-base.executeCommand\r\nn8n-nodes-base.ftp\r\n',
		scheduleFloorSeconds: '300',
	});
	expect(saved.status).toBe(303);
	const { body } = await companion.api(admin, 'GET', '/api/v1/policies/content-rules');
	expect(body).toMatchObject({
		severity: { plain_http: { dev: 'off', staging: 'warning', prod: 'warning' } },
		bannedNodeTypes: ['n8n-nodes-base.executeCommand', 'n8n-nodes-base.ftp'],
		scheduleFloorSeconds: 300,
	});
	const devPage = await (await owner.get(`/environments/${dev}/workflows/d-1`)).text();
	expect(devPage).toContain('uses n8n-nodes-base.executeCommand, which is not allowed');
	const refused = await owner.post('/policies/content-rules', {
		'plain_http.prod': 'fatal',
		scheduleFloorSeconds: '60',
	});
	expect(refused.status).toBe(422);
	expect(await refused.text()).toContain('severity.plain_http.prod');
});
