import { createUser } from '../../service/domain/auth/users';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { CLI_CONTEXT } from '../../service/runtime';
import type { Companion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { signedInClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const workflow = (id: string, name: string, url = 'https://erp.example.com', credential?: string): N8nWorkflow => {
	const base = httpWorkflow(1, url, { id, name });
	if (!credential) return base;
	return {
		...base,
		nodes: [{ ...base.nodes[0], credentials: { httpHeaderAuth: { id: `c-${id}`, name: credential } } }],
	};
};

// "Invoice sync" is edited by hand in prod; "Report" differs in staging and prod lacks it; prod has two
// "Dup"; the Slack alert is named after its environment.
const devStore = fakeWorkflowStore([
	workflow('d-1', 'Invoice sync', 'https://erp.example.com', 'ERP key'),
	workflow('d-2', 'Report', 'https://reports.example.com'),
	workflow('d-3', 'Slack alert [dev]', 'https://hooks.slack.com'),
	workflow('d-4', 'Dup'),
]);
const stagingStore = fakeWorkflowStore([
	workflow('s-1', 'Invoice sync', 'https://erp.example.com', 'ERP key'),
	workflow('s-2', 'Report', 'https://reports-v2.example.com'),
]);
const prodStore = fakeWorkflowStore([
	workflow('p-1', 'Invoice sync', 'https://erp-hotfix.example.com', 'ERP key'),
	workflow('p-3', 'slack alert (prod)', 'https://hooks.slack.com'),
	workflow('p-4a', 'Dup'),
	workflow('p-4b', 'Dup', 'https://other.example.com'),
]);

let companion: Companion;
let admin: string;
let developer: string;
let dev: string;
let staging: string;
let prod: string;
let close: () => Promise<void>;

beforeAll(async () => {
	let closeDevAndProd: () => Promise<void>;
	({ companion, admin, dev, prod, close: closeDevAndProd } = await companionWithDevAndProd(devStore, prodStore));
	const stagingN8n = await startFakeN8n(stagingStore.handler);
	staging = (
		await companion.environment(admin, { name: 'staging', baseUrl: stagingN8n.url, apiKey: 'k', class: 'staging' })
	).id;
	await syncAndFollow(companion, admin, staging);
	developer = await companion.token('developer');
	close = async () => {
		await stagingN8n.close();
		await closeDevAndProd();
	};
});
afterAll(() => close());

const matrix = async (query = '') => {
	const { status, body } = await companion.api(admin, 'GET', `/api/v1/workflows${query}`);
	expect(status).toBe(200);
	return body;
};
const rowNamed = (body: any, name: string) => body.data.find((row: any) => row.name === name);
const proposals = async () => (await companion.api(admin, 'GET', '/api/v1/workflow-links/proposals')).body.data;

test('before onboarding every environment’s workflow is a row of its own, and proposals say which are one', async () => {
	const body = await matrix();
	expect(body.data.filter((row: any) => row.name === 'Invoice sync')).toHaveLength(3);
	expect(rowNamed(body, 'Invoice sync').status).toBe('UNMAPPED');

	const found = await proposals();
	const summary = found.map((proposal: any) => ({
		match: proposal.match,
		unambiguous: proposal.unambiguous,
		sameContent: proposal.sameContent,
		candidates: proposal.candidates.map((candidate: any) => candidate.workflowId).sort(),
	}));
	expect(summary).toEqual([
		{ match: 'exact', unambiguous: false, sameContent: false, candidates: ['d-4', 'p-4a', 'p-4b'] },
		{ match: 'exact', unambiguous: true, sameContent: false, candidates: ['d-1', 'p-1', 's-1'] },
		{ match: 'exact', unambiguous: true, sameContent: false, candidates: ['d-2', 's-2'] },
		{ match: 'normalised', unambiguous: true, sameContent: false, candidates: ['d-3', 'p-3'] },
	]);
});

test('a developer may read the proposals but not link', async () => {
	expect((await companion.api(developer, 'GET', '/api/v1/workflow-links/proposals')).status).toBe(200);
	const refused = await companion.api(developer, 'POST', '/api/v1/workflow-links/proposals/confirm', {});
	expect(refused.status).toBe(403);
});

test('bulk confirm links the unambiguous exact matches; the matrix then compares each environment with the one before it', async () => {
	const pipeline = await companion.api(admin, 'POST', '/api/v1/pipelines', {
		name: 'Release',
		stages: [
			{ sourceEnvironmentId: dev, targetEnvironmentId: staging },
			{ sourceEnvironmentId: staging, targetEnvironmentId: prod },
		],
	});
	expect(pipeline.status).toBe(201);

	const confirmed = await companion.api(admin, 'POST', '/api/v1/workflow-links/proposals/confirm', { match: 'exact' });
	expect(confirmed.status).toBe(200);
	expect(confirmed.body.linked.map((linked: any) => linked.members.map((m: any) => m.workflowId).sort())).toEqual([
		['d-1', 'p-1', 's-1'],
		['d-2', 's-2'],
	]);

	const body = await matrix();
	expect(body.pipeline).toEqual({ id: pipeline.body.id, name: 'Release' });
	expect(body.environments.map((column: any) => [column.name, column.previousId])).toEqual([
		['dev', null],
		['staging', dev],
		['prod', staging],
	]);
	const invoice = rowNamed(body, 'Invoice sync');
	expect(body.data.filter((row: any) => row.name === 'Invoice sync')).toHaveLength(1);
	expect(invoice).toMatchObject({ status: 'LINKED', differs: true });
	expect(invoice.cells.map((cell: any) => [cell.workflowId, cell.compared])).toEqual([
		['d-1', null],
		['s-1', 'same'],
		['p-1', 'differs'],
	]);
	expect(invoice.cells[0]).toMatchObject({ present: true, active: false, contentHash: expect.any(String) });
	const report = rowNamed(body, 'Report');
	expect(report.cells.map((cell: any) => [cell.present, cell.compared])).toEqual([
		[true, null],
		[true, 'differs'],
		[false, 'missing'],
	]);
	const alone = rowNamed(body, 'slack alert (prod)');
	expect(alone.cells.map((cell: any) => cell.compared)).toEqual([null, null, 'extra']);

	const linkedIds = (await companion.api(admin, 'GET', '/api/v1/audit?action=workflow.link')).body.data;
	expect(linkedIds).toHaveLength(2);
});

test('the matrix filters: differs, status, environment, node type, credential and search', async () => {
	const names = async (query: string) => (await matrix(query)).data.map((row: any) => row.name).sort();
	expect(await names('?differs=true')).toEqual(['Invoice sync', 'Report']);
	expect(await names('?status=LINKED')).toEqual(['Invoice sync', 'Report']);
	expect(await names(`?environment=${staging}`)).toEqual(['Invoice sync', 'Report']);
	expect(await names('?credential=ERP%20key')).toEqual(['Invoice sync']);
	expect(await names('?q=hotfix')).toEqual(['Invoice sync']);
	expect(await names('?q=slack')).toEqual(['Slack alert [dev]', 'slack alert (prod)']);
	expect(await names('?nodeType=n8n-nodes-base.code')).toEqual([]);
	expect((await names('?nodeType=n8n-nodes-base.httpRequest')).length).toBe(7);

	const first = await matrix('?limit=2');
	expect(first.data).toHaveLength(2);
	const second = await matrix(`?limit=2&cursor=${first.nextCursor}`);
	expect(second.data[0].canonicalId).not.toBe(first.data[1].canonicalId);

	for (const bad of ['?status=GONE', '?limit=0', '?cursor=zzz', '?q=%22%22', '?pipeline=nope']) {
		const { status, body } = await companion.api(admin, 'GET', `/api/v1/workflows${bad}`);
		expect([bad, status]).toEqual([bad, bad === '?pipeline=nope' ? 404 : 400]);
		expect(body.error.message).toEqual(expect.any(String));
	}
});

test('an ambiguous proposal is linked by naming its members; links that would put two workflows in one environment are refused', async () => {
	const dup = (await proposals()).find((proposal: any) => proposal.candidates.some((c: any) => c.workflowId === 'd-4'));
	const ambiguous = await companion.api(admin, 'POST', `/api/v1/workflow-links/proposals/${dup.id}/confirm`);
	expect(ambiguous.status).toBe(409);
	expect(ambiguous.body.error.message).toMatch(/several candidates/);

	const member = (environmentId: string, workflowId: string) => ({ environmentId, workflowId });
	const twice = await companion.api(admin, 'POST', '/api/v1/workflow-links', {
		members: [member(prod, 'p-4a'), member(prod, 'p-4b')],
	});
	expect(twice.status).toBe(400);
	const unknown = await companion.api(admin, 'POST', '/api/v1/workflow-links', {
		members: [member(dev, 'd-4'), member(prod, 'nope')],
	});
	expect(unknown.status).toBe(422);
	expect(unknown.body.error.message).toMatch(/no synced workflow nope/);
	const already = await companion.api(admin, 'POST', '/api/v1/workflow-links', {
		members: [member(dev, 'd-1'), member(prod, 'p-1')],
	});
	expect(already.status).toBe(409);
	const crowded = await companion.api(admin, 'POST', '/api/v1/workflow-links', {
		members: [member(dev, 'd-4'), member(staging, 's-1')],
	});
	expect(crowded.status).toBe(409);
	expect(crowded.body.error.message).toMatch(/"dev" would hold two workflows/);

	const linked = await companion.api(admin, 'POST', '/api/v1/workflow-links', {
		members: [member(dev, 'd-4'), member(prod, 'p-4a')],
	});
	expect(linked.status).toBe(201);
	expect((await proposals()).some((proposal: any) => proposal.id === dup.id)).toBe(false);
	const row = (await matrix('?q=name:Dup')).data.find((r: any) => r.cells[0].workflowId === 'd-4');
	expect(row.cells.map((cell: any) => cell.workflowId ?? null)).toEqual(['d-4', null, 'p-4a']);
});

test('a rejected proposal is not made again; an unlinked workflow gets its own identity and is not proposed with the one it left', async () => {
	const slack = (await proposals()).find((proposal: any) => proposal.match === 'normalised');
	expect((await companion.api(admin, 'POST', `/api/v1/workflow-links/proposals/${slack.id}/reject`)).status).toBe(204);
	expect((await proposals()).some((proposal: any) => proposal.id === slack.id)).toBe(false);
	expect((await companion.api(admin, 'POST', `/api/v1/workflow-links/proposals/${slack.id}/reject`)).status).toBe(404);

	const invoice = rowNamed(await matrix(), 'Invoice sync');
	const unlinked = await companion.api(
		admin,
		'DELETE',
		`/api/v1/workflows/${invoice.canonicalId}/environments/${prod}`,
	);
	expect(unlinked.status).toBe(200);
	const rows = (await matrix('?q=name:invoice')).data;
	expect(rows).toHaveLength(2);
	const prodRow = rows.find((row: any) => row.canonicalId === unlinked.body.unlinkedCanonicalId);
	expect(prodRow).toMatchObject({ status: 'UNMAPPED' });
	expect(prodRow.cells.map((cell: any) => cell.workflowId ?? null)).toEqual([null, null, 'p-1']);
	expect((await proposals()).some((p: any) => p.candidates.some((c: any) => c.workflowId === 'p-1'))).toBe(false);

	const notLinked = await companion.api(
		admin,
		'DELETE',
		`/api/v1/workflows/${prodRow.canonicalId}/environments/${prod}`,
	);
	expect(notLinked.status).toBe(409);
	const nowhere = await companion.api(admin, 'DELETE', `/api/v1/workflows/${prodRow.canonicalId}/environments/${dev}`);
	expect(nowhere.status).toBe(404);
	const actions = (await companion.api(admin, 'GET', '/api/v1/audit?resourceType=workflow')).body.data.map(
		(entry: any) => entry.action,
	);
	expect(actions).toEqual(expect.arrayContaining(['workflow.link_reject', 'workflow.unlink']));
});

test('an ignored workflow leaves the proposals and is found by its status; un-ignored it is what it was', async () => {
	const alert = rowNamed(await matrix(), 'Slack alert [dev]');
	const ignored = await companion.api(admin, 'PATCH', `/api/v1/workflows/${alert.canonicalId}`, { ignored: true });
	expect(ignored.body).toEqual({ canonicalId: alert.canonicalId, status: 'IGNORED' });
	expect((await matrix('?status=IGNORED')).data.map((row: any) => row.name)).toEqual(['Slack alert [dev]']);
	const back = await companion.api(admin, 'PATCH', `/api/v1/workflows/${alert.canonicalId}`, { ignored: false });
	expect(back.body.status).toBe('UNMAPPED');
	expect((await companion.api(admin, 'PATCH', '/api/v1/workflows/nope', { ignored: true })).status).toBe(404);
	expect(
		(await companion.api(admin, 'PATCH', `/api/v1/workflows/${alert.canonicalId}`, { ignored: 'yes' })).status,
	).toBe(400);
});

test('search finds workflows in every environment by name, node, credential and parameter text, and follows syncs', async () => {
	const search = async (q: string) => {
		const { status, body } = await companion.api(admin, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
		expect(status).toBe(200);
		return body.data.map((hit: any) => hit.workflowId).sort();
	};
	expect(await search('invoice')).toEqual(['d-1', 'p-1', 's-1']);
	expect(await search('erp-hotfix.example')).toEqual(['p-1']);
	expect(await search('credential:"ERP key" name:invoice')).toEqual(['d-1', 'p-1', 's-1']);
	expect(await search('node:httpRequest reports')).toEqual(['d-2', 's-2']);
	expect(await search('Call')).toHaveLength(10);
	expect(await search('nothing-like-this')).toEqual([]);
	const hit = (await companion.api(admin, 'GET', '/api/v1/search?q=hotfix')).body.data[0];
	expect(hit).toMatchObject({ environmentId: prod, environmentName: 'prod', name: 'Invoice sync', active: false });
	expect(hit.excerpt).toMatch(/hotfix/);

	devStore.workflows.delete('d-2');
	devStore.workflows.set('d-5', workflow('d-5', 'Payroll export', 'https://payroll.example.com'));
	await syncAndFollow(companion, admin, dev);
	expect(await search('reports')).toEqual(['s-2']);
	expect(await search('payroll')).toEqual(['d-5']);

	for (const bad of ['', '!!!', 'x'.repeat(501)]) {
		const { status, body } = await companion.api(admin, 'GET', `/api/v1/search?q=${encodeURIComponent(bad)}`);
		expect(status).toBe(400);
		expect(body.error.message).toMatch(/q/);
	}
});

test('each cell counts what the content rules find in it at its environment’s class, under the rules as set now', async () => {
	// Invoice sync's cells in dev, staging and prod, wherever earlier tests left their links.
	const cells = async () => {
		const rows = (await matrix('?q=invoice')).data;
		const findings = new Map(
			rows.flatMap((row: any) =>
				row.cells.filter((cell: any) => cell.present).map((cell: any) => [cell.environmentId, cell.findings]),
			),
		);
		return [dev, staging, prod].map((environment) => findings.get(environment));
	};
	// No error workflow: off in dev, info in staging, a warning in prod.
	expect(await cells()).toEqual([
		{ error: 0, warning: 0, info: 0 },
		{ error: 0, warning: 0, info: 1 },
		{ error: 0, warning: 1, info: 0 },
	]);

	const changed = await companion.api(admin, 'PATCH', '/api/v1/policies/content-rules', {
		severity: { no_error_workflow: { prod: 'error' }, plain_http: { dev: 'error' } },
	});
	expect(changed.status).toBe(200);
	expect(await cells()).toEqual([
		{ error: 0, warning: 0, info: 0 },
		{ error: 0, warning: 0, info: 1 },
		{ error: 1, warning: 0, info: 0 },
	]);
	await createUser(companion.db, CLI_CONTEXT, {
		email: 'viewer@example.com',
		password: 'correct horse battery',
		role: 'viewer',
	});
	const viewer = await signedInClient(companion, 'viewer@example.com');
	const page = await (await viewer.get('/workflows?q=invoice')).text();
	expect(page).toMatch(/class="badge severity-error"[^>]*>1 error</);
});
