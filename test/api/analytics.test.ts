import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { fakeExecutions, type FakeExecution } from '../support/fake-n8n-executions';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const DAY1 = Date.UTC(2026, 10, 28, 10);
const DAY2 = Date.UTC(2026, 10, 29, 14);
let next = 1;
/** An execution of `workflowId` at `at`, lasting `ms`, failing with `message` when given. */
const run = (workflowId: string, at: number, ms: number, message?: string): FakeExecution => ({
	id: next++,
	workflowId,
	status: message ? 'error' : 'success',
	mode: 'trigger',
	startedAt: new Date(at).toISOString(),
	stoppedAt: new Date(at + ms).toISOString(),
	...(message && { data: { resultData: { error: { message, node: { name: 'Call' } } } } }),
});
// "Invoice sync" (an OpenAI node; n8n says it saves 5 minutes a run): 8 quick runs on day 1, 2 failing
// the same way with other numbers; "Report": 2 slow runs on day 2, one failing otherwise.
const executions = [
	...Array.from({ length: 6 }, (_, i) => run('wf-1', DAY1 + i * 60_000, 200 + i * 10)),
	run('wf-1', DAY1 + 10 * 60_000, 300, 'Order 1041 was refused by the ERP (HTTP 409)'),
	run('wf-1', DAY1 + 11 * 60_000, 300, 'Order 2277 was refused by the ERP (HTTP 409)'),
	run('wf-2', DAY2, 30_000),
	run('wf-2', DAY2 + 3_600_000, 40_000, 'Sheet not found'),
];
const invoice = { ...httpWorkflow(1), id: 'wf-1', name: 'Invoice sync', settings: { timeSavedPerExecution: 5 } };
invoice.nodes = [...invoice.nodes, { ...invoice.nodes[0], name: 'Ask', type: '@n8n/n8n-nodes-langchain.openAi' }];
const store = fakeWorkflowStore([invoice, { ...httpWorkflow(2), id: 'wf-2', name: 'Report' }]);
store.executions = fakeExecutions(executions);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
const range = 'from=2026-11-28T00:00:00Z&to=2026-11-30T00:00:00Z';

beforeAll(async () => {
	setup = await companionWithFakeN8n(store);
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
	const job = (await api('POST', `/environments/${setup.environmentId}/executions/index`)).body;
	await readEvents(`${setup.companion.url}/api/v1/jobs/${job.id}/events`, { authorization: `Bearer ${setup.admin}` });
});
afterAll(() => setup.close());

const api = (method: string, path: string, body?: unknown, token = setup.admin) =>
	setup.companion.api(token, method, `/api/v1${path}`, body);
const analytics = async (query = range) => {
	const { status, body } = await api('GET', `/analytics?${query}`);
	expect(status).toBe(200);
	return body;
};

test('counts, success rate, duration percentiles and the trend over a range, read from the hourly rollups', async () => {
	const body = await analytics();
	expect(body.range).toEqual({ from: '2026-11-28T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z', bucket: 'hour' });
	expect(body.summary).toMatchObject({
		total: 10,
		succeeded: 7,
		failed: 3,
		canceled: 0,
		successRate: 0.7,
		maxMs: 40_000,
	});
	expect(body.summary.p50Ms).toBeGreaterThanOrEqual(250);
	expect(body.summary.p50Ms).toBeLessThanOrEqual(500);
	expect(body.summary.p95Ms).toBeGreaterThan(25_000);
	expect(body.trend).toEqual([
		{ at: '2026-11-28T10', total: 8, failed: 2, p50Ms: expect.any(Number), p95Ms: expect.any(Number) },
		{ at: '2026-11-29T14', total: 1, failed: 0, p50Ms: expect.any(Number), p95Ms: expect.any(Number) },
		{ at: '2026-11-29T15', total: 1, failed: 1, p50Ms: expect.any(Number), p95Ms: expect.any(Number) },
	]);
	const daily = await analytics(`${range}&bucket=day`);
	expect(daily.trend.map((step: any) => [step.at, step.total])).toEqual([
		['2026-11-28', 8],
		['2026-11-29', 2],
	]);
	expect((await analytics('from=2026-11-29T00:00:00Z&to=2026-11-30T00:00:00Z')).summary.total).toBe(2);
});

test('top failing and slowest workflows; the most frequent errors, grouped whatever their numbers', async () => {
	const body = await analytics();
	expect(body.topFailing.map((w: any) => [w.workflowName, w.failed])).toEqual([
		['Invoice sync', 2],
		['Report', 1],
	]);
	expect(body.slowest[0]).toMatchObject({ workflowName: 'Report', maxMs: 40_000, canonicalId: expect.any(String) });
	expect(body.errors).toEqual([
		{
			message: 'Order # was refused by the ERP (HTTP #)',
			count: 2,
			workflows: 1,
			lastAt: new Date(DAY1 + 11 * 60_000).toISOString(),
			example: expect.stringMatching(/^Order \d+ was refused/),
		},
		expect.objectContaining({ message: 'Sheet not found', count: 1 }),
	]);
	const canonical = body.slowest[0].canonicalId;
	expect((await analytics(`${range}&canonical=${canonical}`)).summary.total).toBe(2);
	expect((await analytics(`${range}&workflow=wf-1`)).summary.total).toBe(8);
});

test('cost from the environment’s model (per execution, per second, per node type) and time saved from n8n’s setting', async () => {
	expect((await api('GET', `/environments/${setup.environmentId}/cost-model`)).body).toEqual({
		currency: 'USD',
		perExecution: 0,
		perSecond: 0,
		perNodeType: {},
	});
	const developer = await setup.companion.token('developer');
	const model = {
		currency: 'EUR',
		perExecution: 0.01,
		perSecond: 0.001,
		perNodeType: { '@n8n/n8n-nodes-langchain.openAi': 0.5 },
	};
	expect((await api('PUT', `/environments/${setup.environmentId}/cost-model`, model, developer)).status).toBe(403);
	expect((await api('PUT', `/environments/${setup.environmentId}/cost-model`, model)).status).toBe(200);
	const refused = await api('PUT', `/environments/${setup.environmentId}/cost-model`, {
		currency: 'euro',
		perSecond: -1,
	});
	expect(refused.status).toBe(400);

	const body = await analytics();
	const invoiceFigures = body.workflows.find((w: any) => w.workflowId === 'wf-1');
	// 8 runs × (0.01 + 0.5) + 1.95 s of runs × 0.001
	expect(invoiceFigures).toMatchObject({ currency: 'EUR', timeSavedMinutes: 30 });
	expect(invoiceFigures.cost).toBeCloseTo(8 * 0.51 + 1.95 * 0.001, 3);
	const report = body.workflows.find((w: any) => w.workflowId === 'wf-2');
	expect(report.cost).toBeCloseTo(2 * 0.01 + 70 * 0.001, 4);
	expect(body.summary.cost.EUR).toBeCloseTo(invoiceFigures.cost + report.cost, 4);
	expect(body.summary.timeSavedMinutes).toBe(30);
	expect(body.costPerDay.map((day: any) => [day.day, day.currency])).toEqual([
		['2026-11-28', 'EUR'],
		['2026-11-29', 'EUR'],
	]);
});

test('each table downloads as CSV; a wrong range or table is a 400', async () => {
	const response = await fetch(`${setup.companion.url}/api/v1/analytics/csv?${range}&table=errors`, {
		headers: { authorization: `Bearer ${setup.admin}` },
	});
	expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
	expect(response.headers.get('content-disposition')).toMatch(
		/^attachment; filename="?workflowops-errors-\d{4}-\d\d-\d\d\.csv"?$/,
	);
	const lines = (await response.text()).trimEnd().split('\r\n');
	expect(lines[0]).toBe('error,count,workflows,last_at,example');
	expect(lines[1]).toMatch(/^Order # was refused by the ERP \(HTTP #\),2,1,/);
	const workflows = await (
		await fetch(`${setup.companion.url}/api/v1/analytics/csv?${range}`, {
			headers: { authorization: `Bearer ${setup.admin}` },
		})
	).text();
	expect(workflows.split('\r\n')[0]).toMatch(/^environment,workflow_id,workflow,total,/);

	for (const query of ['from=2026-11-30T00:00:00Z&to=2026-11-28T00:00:00Z', 'from=monday', 'bucket=week']) {
		const { status, body } = await api('GET', `/analytics?${query}`);
		expect([query, status, typeof body.error.message]).toEqual([query, 400, 'string']);
	}
	expect((await api('GET', '/analytics/csv?table=everything')).status).toBe(400);
});

test('the analytics page: figures, chart data never read as markup, CSV links; admins set the cost model, a bad one is named', async () => {
	await createUser(setup.companion.db, CLI_CONTEXT, {
		email: 'ops@example.com',
		password: 'correct horse battery',
		role: 'admin',
	});
	const admin = await signedInClient(setup.companion, 'ops@example.com');
	store.workflows.get('wf-2')!.name = 'Report </script><b>';
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
	const page = await (await admin.get(`/analytics?range=365d&environment=${setup.environmentId}`)).text();
	expect(page).toContain('<script type="application/json" id="analytics-data">');
	expect(page).not.toContain('</script><b>');
	expect(page).toContain('\\u003c/script>\\u003cb>');
	expect(page).toContain('<canvas id="executions-chart"');
	expect(page).toMatch(/href="\/api\/v1\/analytics\/csv\?[^"]*table=errors"/);
	expect(page).toContain('Cost model of prod');

	const saved = await admin.post(`/environments/${setup.environmentId}/cost-model`, {
		currency: 'GBP',
		perExecution: '0.02',
		perSecond: '',
		perNodeType: '@n8n/n8n-nodes-langchain.openAi: 0.4\r\n',
	});
	expect(saved.status).toBe(303);
	expect((await api('GET', `/environments/${setup.environmentId}/cost-model`)).body).toEqual({
		currency: 'GBP',
		perExecution: 0.02,
		perSecond: 0,
		perNodeType: { '@n8n/n8n-nodes-langchain.openAi': 0.4 },
	});
	const refused = await admin.post(`/environments/${setup.environmentId}/cost-model`, { currency: 'pounds' });
	expect(refused.status).toBe(422);
	expect(await refused.text()).toContain('Cost model, currency: an ISO 4217 code');
	const chart = await (await fetch(`${setup.companion.url}/static/chart.umd.min.js`)).text();
	expect(chart).toContain('Chart');
});
