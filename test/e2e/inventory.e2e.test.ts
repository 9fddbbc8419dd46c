import { contentHash } from '../../service/domain/workflows/normalize';
import { N8nClient } from '../../service/n8n/client';
import { allowEverything, type Companion, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { inventoryRows, syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { editorCreate, editorMadeWorkflow, editorUpdate } from './harness/editor';
import { startFaultProxy } from './harness/fault-proxy';
import { type N8nInstance, startN8n } from './harness/instance';
import { callerOf, scheduledWorkflow } from '../support/workflows';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

describe.each(selectedTargets())('inventory and snapshots on n8n $version', (target) => {
	let n8n: N8nInstance;
	let companion: Companion;
	let token: string;

	beforeAll(async () => {
		[n8n, companion] = await Promise.all([startN8n({ target, name: 'inventory' }), startCompanion()]);
		token = await companion.token('admin');
		await allowEverything(companion, token);
	});
	afterAll(async () => {
		await n8n?.stop();
		await companion?.close();
	});

	test('every workflow, with its tags and the same content hash as n8n’s own answer', async () => {
		const client = new N8nClient({ name: 'inventory', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		for (const { workflow } of corpusWorkflows().slice(0, 60))
			await client.createWorkflow(workflow).catch(() => undefined);
		for (let i = 0; i < 260; i++)
			await client.createWorkflow({ name: `filler ${i}`, nodes: [], connections: {}, settings: {} });
		const live = await client.listWorkflows();

		const environment = await companion.environment(token, { name: 'n8n', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const { final } = await syncAndFollow(companion, token, environment.id);
		expect(final).toMatchObject({
			status: 'succeeded',
			result: { workflows: live.length, pages: Math.ceil(live.length / 250) },
		});
		// 2.x lists credentials (none here); 1.x's public API has no credential list.
		expect(final.result.credentials).toBe(target.major === '2' ? 0 : null);

		const inventory = await inventoryRows(companion, token, environment.id);
		expect(inventory).toHaveLength(live.length);
		const byId = new Map(inventory.map((row) => [row.id, row]));
		for (const workflow of live) expect(byId.get(workflow.id)?.contentHash).toBe(contentHash(workflow));
	});

	test('workflows created and deleted in n8n while a sync pages through them: none is read twice, none lost', async () => {
		const client = new N8nClient({ name: 'shifting', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		let beforeSecondPage: (() => Promise<unknown>) | undefined;
		const proxy = await startFaultProxy(
			n8n.baseUrl,
			() => false,
			() => false,
			async (method, path) => {
				if (method !== 'GET' || !path.startsWith('/api/v1/workflows?') || !path.includes('cursor=')) return;
				const change = beforeSecondPage;
				beforeSecondPage = undefined;
				await change?.();
			},
		);
		try {
			const addEnvironment = (name: string) =>
				companion.environment(token, { name, baseUrl: proxy.url, apiKey: n8n.apiKey });
			const sync = async (environmentId: string) =>
				(await syncAndFollow(companion, token, environmentId, { scope: 'workflows' })).final;
			const liveIds = async () => (await client.listWorkflows()).map((workflow) => workflow.id);
			const inventoryIds = async (environmentId: string) =>
				(await inventoryRows(companion, token, environmentId)).map((row) => row.id as string);

			// n8n pages its list by offset: deleting one of the first page before the second is asked for
			// slides the second page's first workflow back onto the first.
			const synced = await addEnvironment('shifting back');
			expect(await sync(synced.id)).toMatchObject({ status: 'succeeded' });
			const listed = await liveIds();
			expect(listed.length).toBeGreaterThan(250);
			beforeSecondPage = () => client.deleteWorkflow(listed[10]);
			expect(await sync(synced.id)).toMatchObject({ status: 'succeeded' });
			// The deleted one was read before it went; the next sync removes it.
			expect(new Set(await inventoryIds(synced.id))).toEqual(new Set([...(await liveIds()), listed[10]]));
			expect(await sync(synced.id)).toMatchObject({ status: 'succeeded' });
			expect(new Set(await inventoryIds(synced.id))).toEqual(new Set(await liveIds()));

			// Creating one among the first page's ids (n8n's are random) during a first sync pushes the
			// first page's last workflow onto the second.
			const fresh = await addEnvironment('shifting forth');
			const before = await liveIds();
			const boundary = before[249];
			const created: string[] = [];
			beforeSecondPage = async () => {
				while (!created.some((id) => id < boundary)) {
					const workflow = { name: `created mid-sync ${created.length}`, nodes: [], connections: {}, settings: {} };
					created.push((await client.createWorkflow(workflow)).id);
				}
			};
			expect(await sync(fresh.id)).toMatchObject({ status: 'succeeded' });
			const inventory = await inventoryIds(fresh.id);
			expect(new Set(inventory).size).toBe(inventory.length);
			expect(inventory).toEqual(expect.arrayContaining(before));
			expect(await liveIds()).toEqual(expect.arrayContaining(inventory));
		} finally {
			await proxy.close();
		}
	});

	test('a snapshot compared with live n8n after direct edits: modified (with risk), deleted, added', async () => {
		const client = new N8nClient({ name: 'inventory', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const node = (url: string) => ({
			id: 'h',
			name: 'Call ERP',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [0, 0] as [number, number],
			parameters: { url },
		});
		const [edited, renamed, removed] = await Promise.all(
			['edited', 'renamed', 'removed'].map((name) =>
				client.createWorkflow({
					name: `snap ${name}`,
					nodes: [node('https://erp.example.com')],
					connections: {},
					settings: {},
				}),
			),
		);
		const environment = await companion.environment(token, { name: 'snap', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const snapshot = (
			await companion.api(token, 'POST', '/api/v1/snapshots', { environmentId: environment.id, label: 'before' })
		).body;
		expect(snapshot.workflowCount).toBeGreaterThanOrEqual(3);

		await client.updateWorkflow(edited.id, { ...edited, nodes: [node('https://evil.example.com')] });
		await client.updateWorkflow(renamed.id, {
			...renamed,
			nodes: [{ ...node('https://erp.example.com'), name: 'Call the ERP' }],
		});
		await client.deleteWorkflow(removed.id);
		const added = await client.createWorkflow({ name: 'snap added', nodes: [], connections: {}, settings: {} });

		const { body } = await companion.api(token, 'GET', `/api/v1/snapshots/${snapshot.id}/compare`);
		const byId = Object.fromEntries(body.workflows.map((w: any) => [w.workflowId, w]));
		expect(byId[edited.id]).toMatchObject({ status: 'MODIFIED', risk: 'HIGH', reasons: ['HIGH http: Call ERP'] });
		expect(byId[renamed.id]).toMatchObject({ status: 'MODIFIED', risk: 'LOW', reasons: ['LOW rename: Call the ERP'] });
		expect(byId[removed.id]).toMatchObject({ status: 'DELETED' });
		expect(byId[added.id]).toMatchObject({ status: 'ADDED' });
		// Everything else — corpus workflows and fillers n8n stored earlier — shows no false drift.
		expect(body.workflows.filter((w: any) => w.status === 'UNCHANGED')).toHaveLength(body.workflows.length - 4);
	});

	test('restore after direct edits, an unpublish, a delete and an addition: every workflow reads back with its snapshot hash', async () => {
		const client = new N8nClient({ name: 'restore', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const scheduled = await client.createWorkflow(scheduledWorkflow('restore scheduled'));

		await client.setActive(scheduled.id, true);
		const environment = await companion.environment(token, {
			name: 'restore',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		const snapshot = (
			await companion.api(token, 'POST', '/api/v1/snapshots', { environmentId: environment.id, label: 'good' })
		).body;
		const items: Array<{ workflowId: string; contentHash: string; active: boolean }> = (
			await companion.api(token, 'GET', `/api/v1/snapshots/${snapshot.id}`)
		).body.workflows;

		const corpus = (await client.listWorkflows()).filter((w) => w.nodes.length > 2);
		const [retuned, deleted] = corpus;
		await client.updateWorkflow(retuned.id, {
			...retuned,
			name: `${retuned.name} (hand-edited)`,
			settings: { ...retuned.settings, timezone: 'Asia/Tokyo' },
		});
		await client.deleteWorkflow(deleted.id);
		await client.setActive(scheduled.id, false);
		const added = await client.createWorkflow({ name: 'restore added', nodes: [], connections: {}, settings: {} });

		const started = await companion.api(token, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, {
			mode: 'apply',
			reason: 'undo hand edits',
		});
		expect(started.status).toBe(202);
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${token}`,
		});
		const final = events.at(-1)!.data;
		expect(final).toMatchObject({
			status: 'succeeded',
			result: { updated: expect.arrayContaining([retuned.id, scheduled.id]), deleted: [added.id] },
		});
		expect(final.result.updated).toHaveLength(2);
		const [recreated] = final.result.created;
		expect(recreated).toMatchObject({ workflowId: deleted.id, newId: expect.any(String) });

		const live = new Map((await client.listWorkflows()).map((w) => [w.id, w]));
		expect(live.size).toBe(items.length);
		for (const item of items) {
			const readBack = live.get(item.workflowId === deleted.id ? recreated.newId : item.workflowId);
			expect([item.workflowId, readBack && contentHash(readBack), readBack?.active]).toEqual([
				item.workflowId,
				item.contentHash,
				item.active,
			]);
		}
		const compare = await companion.api(token, 'GET', `/api/v1/snapshots/${snapshot.id}/compare`);
		expect(compare.body.workflows.filter((w: any) => w.status !== 'UNCHANGED')).toEqual([]);
	});

	test('restore of a workflow made in n8n’s editor, with node keys the public API refuses: the hand edit is undone', async () => {
		const client = new N8nClient({ name: 'editor', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const made = await editorCreate(n8n, editorMadeWorkflow('Editor made'));
		expect(made.nodes[0]).toMatchObject({ extendsCredential: 'httpHeaderAuth' });
		const environment = await companion.environment(token, {
			name: 'editor',
			baseUrl: n8n.baseUrl,
			apiKey: n8n.apiKey,
		});
		const snapshot = (
			await companion.api(token, 'POST', '/api/v1/snapshots', { environmentId: environment.id, workflowIds: [made.id] })
		).body;
		const edited = await editorUpdate(n8n, made.id, (current) => ({
			nodes: [{ ...current.nodes[0], parameters: { ...current.nodes[0].parameters, url: 'https://evil.example.com' } }],
		}));
		expect(edited.nodes[0]).toMatchObject({ extendsCredential: 'httpHeaderAuth' });

		const started = await companion.api(token, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${token}`,
		});
		expect(events.at(-1)!.data).toMatchObject({ status: 'succeeded', error: null, result: { updated: [made.id] } });
		const readBack = await client.getWorkflow(made.id);
		expect(readBack.nodes[0].parameters.url).toBe('https://erp.example.com');
		const [item] = (await companion.api(token, 'GET', `/api/v1/snapshots/${snapshot.id}`)).body.workflows;
		expect(contentHash(readBack)).toBe(item.contentHash);
	});

	test('a restore refused after its first update undoes it, and every workflow keeps its original id', async () => {
		const client = new N8nClient({ name: 'refusing', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		let puts = 0;
		const proxy = await startFaultProxy(
			n8n.baseUrl,
			(method, path) => method === 'PUT' && path.startsWith('/api/v1/workflows/') && ++puts === 2,
		);
		try {
			const environment = await companion.environment(token, {
				name: 'refusing',
				baseUrl: proxy.url,
				apiKey: n8n.apiKey,
			});
			const [first, second] = await Promise.all(
				['refused first', 'refused second'].map((name) =>
					client.createWorkflow({ ...scheduledWorkflow(name), settings: { timezone: 'Europe/Paris' } }),
				),
			);
			const snapshot = (await companion.api(token, 'POST', '/api/v1/snapshots', { environmentId: environment.id }))
				.body;
			const editorMade = await editorCreate(n8n, editorMadeWorkflow('refused added'));
			const edited = await Promise.all(
				[first, second].map((workflow) =>
					client.updateWorkflow(workflow.id, { ...workflow, settings: { timezone: 'Asia/Tokyo' } }),
				),
			);
			const before = new Map([...edited, editorMade].map((workflow) => [workflow.id, contentHash(workflow)] as const));

			const started = await companion.api(token, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, {
				mode: 'apply',
				workflowIds: [first.id, second.id, editorMade.id],
			});
			const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
				authorization: `Bearer ${token}`,
			});
			const final = events.at(-1)!.data;
			expect(final.status).toBe('failed');
			expect(final.error).toMatch(/refused by the test proxy\. Nothing was left changed/);
			expect(puts).toBeGreaterThanOrEqual(3); // the refused write, then the undo of the first

			const live = new Map((await client.listWorkflows()).map((workflow) => [workflow.id, workflow]));
			for (const [id, hash] of before) expect([id, live.has(id) && contentHash(live.get(id)!)]).toEqual([id, hash]);
		} finally {
			await proxy.close();
		}
	});

	test('a deleted sub-workflow restored under a new id: its caller is written with that id', async () => {
		const client = new N8nClient({ name: 'remap', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const sub = await client.createWorkflow(scheduledWorkflow('remap sub-workflow'));
		const caller = await client.createWorkflow(callerOf('remap caller', sub.id));
		const environment = await companion.environment(token, { name: 'remap', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		const snapshot = (
			await companion.api(token, 'POST', '/api/v1/snapshots', {
				environmentId: environment.id,
				workflowIds: [sub.id, caller.id],
			})
		).body;
		await client.deleteWorkflow(sub.id);

		const started = await companion.api(token, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${token}`,
		});
		const final = events.at(-1)!.data;
		expect(final).toMatchObject({ status: 'succeeded', error: null, result: { remapped: [caller.id] } });
		const [{ newId }] = final.result.created;
		const written = await client.getWorkflow(caller.id);
		expect(written.nodes[0].parameters.workflowId).toMatchObject({ mode: 'id', value: newId });
		expect(written.settings?.errorWorkflow).toBe(newId);
		const compare = await companion.api(token, 'GET', `/api/v1/snapshots/${snapshot.id}/compare`);
		expect(compare.body.workflows.filter((w: any) => w.status !== 'UNCHANGED')).toEqual([]);
	});
});
