import { publishedView } from '../../service/domain/drift/published';
import { contentHash } from '../../service/domain/workflows/normalize';
import { N8nClient } from '../../service/n8n/client';
import { writableBody } from '../../service/n8n/workflow-body';
import { allowEverything, type Companion, startCompanion } from '../support/companion';
import { readEvents } from '../support/sse';
import { httpWorkflow, scheduledWorkflow } from '../support/workflows';
import { editorCreate, editorMadeWorkflow, editorUpdate } from './harness/editor';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

describe.each(selectedTargets())('drift on n8n $version', (target) => {
	let n8n: N8nInstance;
	let companion: Companion;
	let token: string;
	let client: N8nClient;
	let environmentId: string;

	beforeAll(async () => {
		[n8n, companion] = await Promise.all([startN8n({ target, name: 'drift' }), startCompanion()]);
		token = await companion.token('admin');
		await allowEverything(companion, token);
		client = new N8nClient({ name: 'drift', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		environmentId = (await companion.environment(token, { name: 'prod', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey })).id;
	});
	afterAll(async () => {
		await n8n?.stop();
		await companion?.close();
	});

	const check = async () =>
		(await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/drift-checks`)).body;
	const baselineHash = async (workflowId: string) =>
		(await companion.api(token, 'GET', `/api/v1/environments/${environmentId}/baseline`)).body.workflows.find(
			(w: any) => w.workflowId === workflowId,
		)?.contentHash;

	test('baseline, hand edits through n8n’s API, one incident with the right severity and items; revert reads back the baseline; keep brings the next check in sync', async () => {
		const { id: _a, active: _aa, ...http } = httpWorkflow(1);
		const url = await client.createWorkflow({ ...http, name: 'Invoice sync' });
		const renamed = await client.createWorkflow({ ...http, name: 'Lead capture' });
		const removed = await client.createWorkflow({ ...http, name: 'Old export' });
		const daily = await client.createWorkflow(scheduledWorkflow('Daily report'));
		await client.setActive(daily.id, true);

		const approved = await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
		expect(approved.body.workflows).toHaveLength(4);
		expect((await check()).check).toMatchObject({ status: 'IN_SYNC', counts: { IN_SYNC: 4, DRAFT_CHANGED: 0 } });

		await client.updateWorkflow(url.id, {
			...url,
			nodes: [{ ...url.nodes[0], parameters: { url: 'https://evil.example.net/collect' } }],
		});
		await client.updateWorkflow(renamed.id, { ...renamed, nodes: [{ ...renamed.nodes[0], name: 'Call the CRM' }] });
		await client.deleteWorkflow(removed.id);
		const added = await client.createWorkflow(scheduledWorkflow('Added by hand'));
		if (target.major === '2') {
			// A saved draft, not published: what runs is unchanged.
			const draft = { ...daily, nodes: [{ ...daily.nodes[0], notes: 'edited, not published' }] };
			const response = await fetch(`${n8n.baseUrl}/api/v1/workflows/${daily.id}?publishIfActive=false`, {
				method: 'PUT',
				headers: { 'X-N8N-API-KEY': n8n.apiKey, 'Content-Type': 'application/json' },
				body: JSON.stringify(writableBody(draft, 2)),
			});
			expect(response.status).toBe(200);
		}

		const found = await check();
		expect(found.check).toMatchObject({
			status: 'DRIFT_DETECTED',
			counts: { IN_SYNC: 1, MODIFIED: 2, ADDED: 1, MISSING: 1, DRAFT_CHANGED: target.major === '2' ? 1 : 0 },
		});
		const items = Object.fromEntries(found.check.items.map((item: any) => [`${item.workflowId} ${item.status}`, item]));
		expect(items[`${url.id} MODIFIED`]).toMatchObject({ risk: 'HIGH', reasons: ['HIGH http: Call'] });
		expect(items[`${renamed.id} MODIFIED`]).toMatchObject({ risk: 'LOW', reasons: ['LOW rename: Call the CRM'] });
		expect(items[`${removed.id} MISSING`]).toMatchObject({ risk: 'HIGH' });
		expect(items[`${added.id} ADDED`]).toMatchObject({ risk: 'MEDIUM' });
		if (target.major === '2') expect(items[`${daily.id} DRAFT_CHANGED`]).toMatchObject({ risk: 'LOW' });
		const incident = found.incident.incident;
		expect(found.incident.kind).toBe('opened');
		expect(incident).toMatchObject({ status: 'OPEN', severity: 'critical' });
		expect(incident.items.map((item: any) => item.status).sort()).toEqual(['ADDED', 'MISSING', 'MODIFIED', 'MODIFIED']);

		const revert = await companion.api(token, 'POST', `/api/v1/incidents/${incident.id}/resolve`, {
			resolution: 'revert',
			note: 'not approved',
		});
		const events = await readEvents(`${companion.url}/api/v1/jobs/${revert.body.job.id}/events`, {
			authorization: `Bearer ${token}`,
		});
		expect(events.at(-1)!.data).toMatchObject({ status: 'succeeded', result: { deleted: [added.id] } });
		for (const workflow of [url, renamed])
			expect(contentHash(publishedView(await client.getWorkflow(workflow.id)))).toBe(await baselineHash(workflow.id));
		const recreated = events.at(-1)!.data.result.created[0];
		expect(recreated).toMatchObject({ workflowId: removed.id, name: 'Old export' });
		expect(contentHash(await client.getWorkflow(recreated.newId))).toBe(await baselineHash(recreated.newId));
		expect((await companion.api(token, 'GET', `/api/v1/incidents/${incident.id}`)).body).toMatchObject({
			status: 'RESOLVED',
			resolved: { resolution: 'revert' },
		});
		expect((await check()).check).toMatchObject({ status: 'IN_SYNC', counts: { IN_SYNC: 4 } });

		const current = await client.getWorkflow(url.id);
		await client.updateWorkflow(url.id, { ...current, settings: { ...current.settings, timezone: 'Asia/Tokyo' } });
		const hotfix = await check();
		expect(hotfix.incident).toMatchObject({ kind: 'opened', incident: { severity: 'high' } });
		const kept = await companion.api(token, 'POST', `/api/v1/incidents/${hotfix.incident.incident.id}/resolve`, {
			resolution: 'keep',
			note: 'approved hotfix',
		});
		expect(kept.body.incident).toMatchObject({ status: 'RESOLVED', resolved: { resolution: 'keep' } });
		expect((await check()).check).toMatchObject({ status: 'IN_SYNC', counts: { IN_SYNC: 4, MODIFIED: 0 } });
	});

	test('revert of a workflow made in n8n’s editor, with node keys the public API refuses: the baseline reads back', async () => {
		const made = await editorCreate(n8n, editorMadeWorkflow('Editor made'));
		await companion.api(token, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
		expect((await check()).check).toMatchObject({ status: 'IN_SYNC' });
		await editorUpdate(n8n, made.id, (current) => ({
			nodes: [{ ...current.nodes[0], parameters: { ...current.nodes[0].parameters, url: 'https://evil.example.com' } }],
		}));
		const found = await check();
		expect(found.incident.incident.items).toMatchObject([{ workflowId: made.id, status: 'MODIFIED', risk: 'HIGH' }]);

		const revert = await companion.api(token, 'POST', `/api/v1/incidents/${found.incident.incident.id}/resolve`, {
			resolution: 'revert',
		});
		const events = await readEvents(`${companion.url}/api/v1/jobs/${revert.body.job.id}/events`, {
			authorization: `Bearer ${token}`,
		});
		expect(events.at(-1)!.data).toMatchObject({ status: 'succeeded', error: null, result: { updated: [made.id] } });
		const readBack = await client.getWorkflow(made.id);
		expect(readBack.nodes[0].parameters.url).toBe('https://erp.example.com');
		expect(contentHash(publishedView(readBack))).toBe(await baselineHash(made.id));
		expect((await check()).check).toMatchObject({ status: 'IN_SYNC' });
	});
});
