import { markSlaBreaches } from '../../service/domain/drift/incidents';
import { CLI_CONTEXT } from '../../service/runtime';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { allowEverything, type Companion } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { readEvents } from '../support/sse';
import { httpWorkflow } from '../support/workflows';

const workflows = () => [1, 2, 3].map((i) => httpWorkflow(i));
const store = fakeWorkflowStore(workflows());
let companion: Companion;
let admin: string;
let developer: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
	await allowEverything(companion, admin);
	developer = await companion.token('developer');
});
afterEach(() => {
	store.fault = undefined;
	store.delayMs = 0;
});
afterAll(() => close());

const check = (token = admin) => companion.api(token, 'POST', `/api/v1/environments/${environmentId}/drift-checks`);
const status = async () => (await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/drift`)).body;
const approve = (body: object = {}) =>
	companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/baseline`, body);
const resolve = (id: string, body: object, token = admin) =>
	companion.api(token, 'POST', `/api/v1/incidents/${id}/resolve`, body);
const byId = (items: any[]) => Object.fromEntries(items.map((item) => [item.workflowId, item]));

/** Hand edits: an HTTP URL (HIGH), a node renamed (LOW), a workflow added (ADDED) and one deleted (MISSING). */
function editByHand() {
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net/1' };
	store.workflows.get('wf-2')!.nodes[0].name = 'Call ERP';
	store.workflows.delete('wf-3');
	store.workflows.set('wf-9', httpWorkflow(9));
}

test('before a baseline the environment is NEW and a check says so, recording nothing; approving needs an admin', async () => {
	expect(await status()).toMatchObject({ status: 'NEW', checkedAt: null, baselineWorkflows: 0 });
	const first = await check();
	expect(first.status).toBe(409);
	expect(first.body.error).toEqual({
		code: 'conflict',
		message: '"prod" has no baseline yet: approve its current state to start watching it for drift',
		details: { reason: 'no_baseline' },
	});
	expect((await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/drift-checks`)).body.data).toEqual(
		[],
	);

	const refused = await companion.api(developer, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
	expect(refused.status).toBe(403);
	const approved = await approve({ note: 'onboarding' });
	expect(approved.status).toBe(200);
	expect(approved.body.workflows.map((w: any) => w.workflowId)).toEqual(['wf-1', 'wf-2', 'wf-3']);
	expect(await status()).toMatchObject({ status: 'UNKNOWN', baselineWorkflows: 3 });

	expect((await check(developer)).body).toMatchObject({
		check: { status: 'IN_SYNC', counts: { IN_SYNC: 3, MODIFIED: 0, ADDED: 0, MISSING: 0 } },
		incident: null,
	});
	expect(await status()).toMatchObject({ status: 'IN_SYNC', openIncidentId: null });
});

test('hand edits open one critical incident in prod, updated (not duplicated) by the next check; keep makes the next check in sync', async () => {
	editByHand();
	const found = await check();
	expect(found.body.check).toMatchObject({
		status: 'DRIFT_DETECTED',
		counts: { IN_SYNC: 0, MODIFIED: 2, ADDED: 1, MISSING: 1, DRAFT_CHANGED: 0 },
	});
	const items = byId(found.body.check.items);
	expect(items['wf-1']).toMatchObject({ status: 'MODIFIED', risk: 'HIGH', reasons: ['HIGH http: Call'] });
	expect(items['wf-1'].diff.changes[0]).toMatchObject({ path: 'parameters.url', after: 'https://evil.example.net/1' });
	expect(items['wf-2']).toMatchObject({ status: 'MODIFIED', risk: 'LOW', reasons: ['LOW rename: Call ERP'] });
	expect(items['wf-9']).toMatchObject({ status: 'ADDED', risk: 'MEDIUM' });
	expect(items['wf-3']).toMatchObject({ status: 'MISSING', risk: 'HIGH' });

	const { incident } = found.body;
	expect(incident).toMatchObject({ kind: 'opened', incident: { status: 'OPEN', severity: 'critical' } });
	const opened = incident.incident;
	expect(Date.parse(opened.slaDueAt) - Date.parse(opened.openedAt)).toBe(24 * 3_600_000);
	expect(await status()).toMatchObject({ status: 'DRIFT_DETECTED', openIncidentId: opened.id });

	const again = await check();
	expect(again.body.incident).toMatchObject({ kind: 'unchanged', incident: { id: opened.id } });
	const list = await companion.api(admin, 'GET', `/api/v1/incidents?environmentId=${environmentId}&status=OPEN`);
	expect(list.body.data.map((i: any) => i.id)).toEqual([opened.id]);

	const ack = await companion.api(developer, 'POST', `/api/v1/incidents/${opened.id}/acknowledge`, { note: 'looking' });
	expect(ack.body).toMatchObject({ status: 'ACKNOWLEDGED', acknowledged: { note: 'looking' } });
	expect((await companion.api(developer, 'POST', `/api/v1/incidents/${opened.id}/acknowledge`, {})).status).toBe(409);

	const noNote = await resolve(opened.id, { resolution: 'note' });
	expect(noNote.status).toBe(400);
	expect(noNote.body.error.details).toEqual([{ field: 'note', message: 'must explain why the incident is closed' }]);
	const developerKeep = await resolve(opened.id, { resolution: 'keep' }, developer);
	expect(developerKeep.status).toBe(403);

	const kept = await resolve(opened.id, { resolution: 'keep', note: 'hotfix approved' });
	expect(kept.body.incident).toMatchObject({
		status: 'RESOLVED',
		resolved: { resolution: 'keep', note: 'hotfix approved' },
	});
	expect(await status()).toMatchObject({ status: 'UNKNOWN', openIncidentId: null });
	expect((await check()).body).toMatchObject({ check: { status: 'IN_SYNC' }, incident: null });
	const baseline = await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/baseline`);
	expect(baseline.body.workflows.map((w: any) => w.workflowId).sort()).toEqual(['wf-1', 'wf-2', 'wf-9']);
	expect((await resolve(opened.id, { resolution: 'note', note: 'x' })).status).toBe(409);
});

test('revert writes the baseline back (an unmanaged workflow deleted, a missing one re-created) and closes the incident', async () => {
	store.reset(workflows());
	await approve();
	editByHand();
	const opened = (await check()).body.incident.incident;
	const started = await resolve(opened.id, { resolution: 'revert', note: 'not approved' });
	expect(started.status).toBe(200);
	const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.job.id}/events`, {
		authorization: `Bearer ${admin}`,
	});
	expect(events.at(-1)!.data).toMatchObject({
		status: 'succeeded',
		result: { deleted: ['wf-9'], updated: ['wf-1', 'wf-2'] },
	});
	expect(store.workflows.get('wf-1')!.nodes[0].parameters).toEqual({ url: 'https://erp.example.com/1' });
	expect([...store.workflows.values()].map((w) => w.name).sort()).toEqual(['Workflow 1', 'Workflow 2', 'Workflow 3']);
	expect((await companion.api(admin, 'GET', `/api/v1/incidents/${opened.id}`)).body).toMatchObject({
		status: 'RESOLVED',
		resolved: { resolution: 'revert' },
	});
	// The re-created workflow has a new id; the baseline follows it.
	expect((await check()).body).toMatchObject({ check: { status: 'IN_SYNC', counts: { IN_SYNC: 3 } }, incident: null });
});

test('a check back in sync resolves the incident by itself', async () => {
	store.reset(workflows());
	await approve();
	const edited = store.workflows.get('wf-1')!;
	const original = structuredClone(edited.nodes);
	edited.nodes[0].parameters = { url: 'https://elsewhere.example.com' };
	const opened = (await check()).body.incident.incident;
	edited.nodes = original;
	const back = await check();
	expect(back.body.incident).toMatchObject({
		kind: 'resolved',
		incident: { id: opened.id, status: 'RESOLVED', resolved: { resolution: 'auto', by: null } },
	});
});

test('a baseline hash taken by an earlier normalisation, with no change at all, is in sync, not drift', async () => {
	store.reset(workflows());
	await approve();
	await companion.db
		.updateTable('baselines')
		.set({ content_hash: 'f'.repeat(64) })
		.where('n8n_id', '=', 'wf-1')
		.execute();
	expect((await check()).body).toMatchObject({ check: { status: 'IN_SYNC', counts: { IN_SYNC: 3 } }, incident: null });
});

test('n8n unreachable: the check is recorded as ERROR with the reason and the incident is left as it was', async () => {
	store.fault = () => ({ status: 500, message: 'database is locked' });
	const failed = await check();
	expect(failed.status).toBe(201);
	expect(failed.body.check).toMatchObject({ status: 'ERROR', error: expect.stringContaining('database is locked') });
	expect(await status()).toMatchObject({ status: 'ERROR', error: expect.stringContaining('database is locked') });
	const history = await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/drift-checks?limit=1`);
	expect(history.body.data[0]).toMatchObject({ id: failed.body.check.id, status: 'ERROR' });
});

test('n8n 2.x: what runs is the published version; a saved, unpublished draft is DRAFT_CHANGED and not drift', async () => {
	const published = (workflow: N8nWorkflow): N8nWorkflow => ({
		...workflow,
		active: true,
		versionId: 'v1',
		activeVersionId: 'v1',
		activeVersion: { versionId: 'v1', nodes: structuredClone(workflow.nodes), connections: {} },
	});
	store.reset(workflows().map(published));
	await approve();
	const draft = store.workflows.get('wf-1')!;
	draft.versionId = 'v2';
	draft.nodes[0].parameters = { url: 'https://draft.example.com' };
	const result = (await check()).body;
	expect(result.check).toMatchObject({ status: 'IN_SYNC', counts: { IN_SYNC: 3, DRAFT_CHANGED: 1 } });
	expect(result.check.items).toEqual([
		expect.objectContaining({
			workflowId: 'wf-1',
			status: 'DRAFT_CHANGED',
			risk: 'HIGH',
			reasons: ['HIGH http: Call'],
		}),
	]);
	expect(result.incident).toBeNull();
});

test('SLA hours per environment; bad values and unknown ids are refused; one check at a time', async () => {
	const bad = await companion.api(admin, 'PATCH', `/api/v1/environments/${environmentId}`, {
		incidentSlaHours: { critical: 0 },
	});
	expect(bad.status).toBe(400);
	expect(bad.body.error.details).toEqual([{ field: 'incidentSlaHours.critical', message: 'must be at least 1 hour' }]);
	const set = await companion.api(admin, 'PATCH', `/api/v1/environments/${environmentId}`, {
		incidentSlaHours: { critical: 4 },
	});
	expect(set.body.incidentSlaHours).toEqual({ critical: 4, high: 48, medium: 72, low: 168 });
	store.reset(workflows());
	await approve();
	store.workflows.get('wf-1')!.nodes[0].parameters = { url: 'https://evil.example.net' };
	const opened = (await check()).body.incident.incident;
	expect(Date.parse(opened.slaDueAt) - Date.parse(opened.openedAt)).toBe(4 * 3_600_000);

	expect((await companion.api(admin, 'POST', '/api/v1/environments/nope/drift-checks')).status).toBe(404);
	expect((await companion.api(admin, 'GET', '/api/v1/incidents/nope')).status).toBe(404);
	expect((await companion.api(admin, 'GET', '/api/v1/incidents?severity=urgent')).status).toBe(400);

	store.delayMs = 200;
	const [first, second] = await Promise.all([check(), check()]);
	expect([first.status, second.status].sort()).toEqual([201, 409]);
	expect([first, second].find((r) => r.status === 409)!.body.error.message).toBe(
		'A drift check of "prod" is already running',
	);
});

test('an open incident is marked past its SLA when the time passes its due time: once, and audited', async () => {
	const open = (await companion.api(admin, 'GET', `/api/v1/incidents?environmentId=${environmentId}&status=OPEN`)).body
		.data[0];
	const at = (ms: number) => ({ ...companion.deps, clock: () => new Date(Date.parse(open.slaDueAt) + ms) });
	expect(await markSlaBreaches(at(-1000), CLI_CONTEXT)).toEqual([]);
	const marked = await markSlaBreaches(at(1000), CLI_CONTEXT);
	expect(marked.map((incident) => [incident.id, incident.slaBreachedAt])).toEqual([
		[open.id, new Date(Date.parse(open.slaDueAt) + 1000).toISOString()],
	]);
	expect(await markSlaBreaches(at(3_600_000), CLI_CONTEXT)).toEqual([]);
	const audited = await companion.api(admin, 'GET', '/api/v1/audit?action=incident.sla_breached');
	expect(audited.body.data.map((entry: any) => entry.resourceId)).toEqual([open.id]);
});
