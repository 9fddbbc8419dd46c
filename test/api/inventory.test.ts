import { sql } from 'kysely';
import { countInventory } from '../../service/domain/workflows/inventory';
import { type Companion, startCompanion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';
import { inventoryRows, syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { onPostgres } from '../support/test-database';

const workflow = (i: number) => ({
	id: `wf-${i}`,
	name: `Workflow ${String(i).padStart(3, '0')}${i % 50 === 0 ? ' invoice' : ''}`,
	active: i % 2 === 0,
	tags: i % 3 === 0 ? [{ id: 't1', name: 'finance' }] : [],
	updatedAt: '2026-11-01T00:00:00.000Z',
	nodes: [
		{ id: 'a', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		...(i % 10 === 0
			? [
					{
						id: 'b',
						name: 'Call',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion: 4,
						position: [200, 0],
						parameters: { url: `https://x/${i}` },
					},
				]
			: []),
	],
	connections: {},
	settings: {},
});

let companion: Companion;
let admin: string;
let developer: string;
let workflows = Array.from({ length: 600 }, (_, i) => workflow(i));
let failPage: number | null = null;
/** Called as n8n is asked for a page of workflows. */
let onPage: ((page: number) => void) | null = null;
let credentialsStatus = 200;
let credentialList: object[] = [{ id: 'c1', name: 'ERP key', type: 'httpHeaderAuth' }];
let fake: Awaited<ReturnType<typeof startFakeN8n>>;

beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
	developer = await companion.token('developer');
	fake = await startFakeN8n((_req, url) => {
		if (url.pathname === '/api/v1/credentials') {
			return credentialsStatus === 200
				? { status: 200, body: { data: credentialList, nextCursor: null } }
				: { status: credentialsStatus, body: { message: 'not found' } };
		}
		const id = url.pathname.match(/^\/api\/v1\/workflows\/(.+)$/)?.[1];
		if (id) {
			const found = workflows.find((w) => w.id === id);
			return found ? { status: 200, body: found } : { status: 404, body: { message: 'Not Found' } };
		}
		const offset = Number(url.searchParams.get('cursor') ?? 0);
		const page = offset / 250 + 1;
		onPage?.(page);
		if (page === failPage) return { status: 500, body: { message: 'database is locked' } };
		const next = offset + 250 < workflows.length ? String(offset + 250) : null;
		return { status: 200, body: { data: workflows.slice(offset, offset + 250), nextCursor: next }, delayMs: 20 };
	});
});
afterAll(async () => {
	await fake.close();
	await companion.close();
});

async function createEnvironment(name: string) {
	return (
		await companion.api(admin, 'POST', '/api/v1/environments', { name, baseUrl: fake.url, class: 'prod', apiKey: 'k' })
	).body.id as string;
}

test('a sync runs as a job whose progress streams as server-sent events, then fills the inventory', async () => {
	const environmentId = await createEnvironment('prod');
	const { job, events, final } = await syncAndFollow(companion, developer, environmentId);
	expect(job).toMatchObject({ kind: 'inventory.sync', environmentId, status: 'running' });
	expect(events.every((event) => event.event === 'job')).toBe(true);
	const pages = events.map((event) => event.data.progress.pages).filter(Boolean);
	expect(pages).toEqual(expect.arrayContaining([3]));
	expect(final).toMatchObject({
		status: 'succeeded',
		result: { scope: 'all', pages: 3, workflows: 600, credentials: 1 },
	});
	expect((await companion.api(developer, 'GET', `/api/v1/jobs/${job.id}`)).body).toEqual(final);

	const page = await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows?limit=250`);
	expect(page.body.data).toHaveLength(250);
	expect(page.body.nextCursor).not.toBeNull();
	const all = await inventoryRows(companion, developer, environmentId);
	expect(all).toHaveLength(600);
	expect(all[0]).toMatchObject({
		id: 'wf-0',
		name: 'Workflow 000 invoice',
		active: true,
		tags: ['finance'],
		nodeCount: 2,
		contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
	});
});

test('search by name, node type, tag and active', async () => {
	const environmentId = await createEnvironment('search');
	await syncAndFollow(companion, developer, environmentId);
	const list = async (query: string) =>
		(await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows?limit=250&${query}`)).body
			.data as any[];
	expect((await list('q=invoice')).map((w) => w.id)).toEqual(
		[0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 550].map((i) => `wf-${i}`),
	);
	expect(await list('nodeType=n8n-nodes-base.httpRequest')).toHaveLength(60);
	expect(await list('tag=finance&active=true&q=invoice')).toHaveLength(4);
	expect(await list('q=100%25')).toHaveLength(0);
	const detail = await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows/wf-10`);
	expect(detail.body.workflow).toEqual(workflow(10));
	expect((await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows/nope`)).status).toBe(
		404,
	);
});

test('a failure half-way fails the job with the reason and leaves the last good inventory as it was', async () => {
	const environmentId = await createEnvironment('half-way');
	await syncAndFollow(companion, developer, environmentId);
	const before = (await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows?limit=5`))
		.body;
	workflows = workflows.slice(0, 400);
	failPage = 2;
	try {
		const { final } = await syncAndFollow(companion, developer, environmentId);
		expect(final).toMatchObject({
			status: 'failed',
			error: 'n8n "half-way" answered with an error — HTTP 500: database is locked',
		});
	} finally {
		failPage = null;
	}
	expect(
		(await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows?limit=5`)).body,
	).toEqual(before);
	expect(await countInventory(companion.db, environmentId)).toBe(600);
	expect(await companion.db.selectFrom('inventory_sync_rows').selectAll().execute()).toEqual([]);

	const { final } = await syncAndFollow(companion, developer, environmentId);
	expect(final.result.workflows).toBe(400);
	expect(await companion.db.selectFrom('inventory_sync_rows').selectAll().execute()).toEqual([]);
	const missing = await companion.db
		.selectFrom('canonical_workflows')
		.select('status')
		.where('name', '=', 'Workflow 599')
		.execute();
	expect(missing.map((row) => row.status)).toContain('MISSING');
	workflows = Array.from({ length: 600 }, (_, i) => workflow(i));
});

test('a sync keeps the content rules’ findings of what it read, and a re-sync checks only what has none', async () => {
	const environmentId = await createEnvironment('findings');
	await syncAndFollow(companion, developer, environmentId);
	const contents = async () =>
		(
			await companion.db
				.selectFrom('workflow_inventory')
				.select('content_hash')
				.distinct()
				.where('environment_id', '=', environmentId)
				.execute()
		).map((row) => row.content_hash);
	const findings = async () =>
		(
			await companion.db
				.selectFrom('content_findings')
				.select('content_hash')
				.where('content_hash', 'in', await contents())
				.where('class', '=', 'prod')
				.execute()
		).map((row) => row.content_hash);
	expect((await findings()).sort()).toEqual((await contents()).sort());
	const dropped = (await contents()).slice(0, 7);
	await companion.db.deleteFrom('content_findings').where('content_hash', 'in', dropped).execute();
	await syncAndFollow(companion, developer, environmentId);
	expect((await findings()).sort()).toEqual((await contents()).sort());
});

test('workflows keep their canonical id from one sync to the next', async () => {
	const environmentId = await createEnvironment('stable');
	await syncAndFollow(companion, developer, environmentId);
	const first = (await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows/wf-7`)).body
		.canonicalId;
	await syncAndFollow(companion, developer, environmentId);
	expect(
		(await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows/wf-7`)).body.canonicalId,
	).toBe(first);
});

/** Records every write to the inventory (by triggers) until stopped: "insert wf-1", "delete wf-2"… */
async function recordInventoryWrites() {
	const db = companion.db;
	const changes = ['insert', 'update', 'delete'];
	await sql`create table touched (change text, n8n_id text)`.execute(db);
	if (onPostgres()) {
		await sql`create function touch() returns trigger language plpgsql as $$ begin
			insert into touched values (lower(tg_op), coalesce(new.n8n_id, old.n8n_id)); return null; end $$`.execute(db);
		await sql`create trigger touched after insert or update or delete on workflow_inventory
			for each row execute function touch()`.execute(db);
	} else
		for (const change of changes)
			await sql
				.raw(
					`create trigger touched_${change} after ${change} on workflow_inventory begin
						insert into touched values ('${change}', ${change === 'delete' ? 'old' : 'new'}.n8n_id); end`,
				)
				.execute(db);
	return {
		async stop() {
			const { rows } = await sql<{ change: string; n8n_id: string }>`select change, n8n_id from touched`.execute(db);
			if (onPostgres()) {
				await sql`drop trigger touched on workflow_inventory`.execute(db);
				await sql`drop function touch`.execute(db);
			} else for (const change of changes) await sql.raw(`drop trigger touched_${change}`).execute(db);
			await sql`drop table touched`.execute(db);
			return rows.map((touch) => `${touch.change} ${touch.n8n_id}`);
		},
	};
}

test('a re-sync rewrites only what changed and leaves unchanged rows alone', async () => {
	const environmentId = await createEnvironment('re-sync');
	await syncAndFollow(companion, developer, environmentId);
	const touched = await recordInventoryWrites();
	const get = async (id: string) =>
		companion.api(developer, 'GET', `/api/v1/environments/${environmentId}/workflows/${id}`);
	const renamedCanonical = (await get('wf-3')).body.canonicalId;
	workflows = [
		...workflows.filter((w) => w.id !== 'wf-5').map((w) => (w.id === 'wf-3' ? { ...w, name: 'Renamed' } : w)),
		workflow(900),
	];
	try {
		const { final } = await syncAndFollow(companion, developer, environmentId);
		expect(final.result.workflows).toBe(600);
	} finally {
		workflows = Array.from({ length: 600 }, (_, i) => workflow(i));
	}
	expect((await touched.stop()).sort()).toEqual(['delete wf-5', 'insert wf-900', 'update wf-3']);
	expect((await get('wf-3')).body).toMatchObject({ name: 'Renamed', canonicalId: renamedCanonical });
	expect((await get('wf-5')).status).toBe(404);
	const environment = (await companion.api(developer, 'GET', `/api/v1/environments/${environmentId}`)).body;
	expect((await get('wf-7')).body.syncedAt).toBe(environment.lastSyncAt);
});

test('what changes in the inventory while a sync runs is made what n8n said', async () => {
	const environmentId = await createEnvironment('meanwhile');
	await syncAndFollow(companion, developer, environmentId);
	const inventoryRow = (n8nId: string) =>
		companion.db
			.selectFrom('workflow_inventory')
			.select(['name', 'content_hash'])
			.where('environment_id', '=', environmentId)
			.where('n8n_id', '=', n8nId)
			.executeTakeFirst();
	const wf7 = await inventoryRow('wf-7');
	const wf8 = await inventoryRow('wf-8');
	let meanwhile: Promise<unknown> | undefined;
	onPage = (page) => {
		if (page !== 3) return;
		const inventory = companion.db.updateTable('workflow_inventory').where('environment_id', '=', environmentId);
		meanwhile = Promise.all([
			inventory.set({ name: 'Renamed meanwhile' }).where('n8n_id', '=', 'wf-7').execute(),
			companion.db
				.deleteFrom('workflow_inventory')
				.where('environment_id', '=', environmentId)
				.where('n8n_id', '=', 'wf-8')
				.execute(),
		]);
	};
	try {
		const { final } = await syncAndFollow(companion, developer, environmentId);
		expect(final.status).toBe('succeeded');
	} finally {
		onPage = null;
	}
	expect(meanwhile).toBeDefined();
	await meanwhile;
	expect(await inventoryRow('wf-7')).toEqual(wf7);
	expect(await inventoryRow('wf-8')).toEqual(wf8);
	expect(await countInventory(companion.db, environmentId)).toBe(600);
});

test('where n8n has no credential list (1.x), credentials are reported unavailable, not empty', async () => {
	const environmentId = await createEnvironment('one-x');
	credentialsStatus = 404;
	try {
		const { final } = await syncAndFollow(companion, developer, environmentId, { scope: 'credentials' });
		expect(final).toMatchObject({
			status: 'succeeded',
			result: { scope: 'credentials', workflows: 0, credentials: null },
		});
	} finally {
		credentialsStatus = 200;
	}
});

test('a credential list that is not one fails the sync in words and keeps the last inventory', async () => {
	const environmentId = await createEnvironment('odd-credentials');
	credentialList = [{ id: 'c1', name: 'ERP key' }];
	try {
		const { final } = await syncAndFollow(companion, developer, environmentId);
		expect(final).toMatchObject({
			status: 'failed',
			error: expect.stringMatching(
				/^n8n "odd-credentials" answered, but not as n8n’s public API does.* — its credential list has entries without an id, a name and a type$/,
			),
		});
	} finally {
		credentialList = [{ id: 'c1', name: 'ERP key', type: 'httpHeaderAuth' }];
	}
	expect(await countInventory(companion.db, environmentId)).toBe(0);
});

test('a second sync while one runs is a 409 naming the running job', async () => {
	const environmentId = await createEnvironment('busy');
	const first = await companion.api(developer, 'POST', `/api/v1/environments/${environmentId}/sync`, {});
	const second = await companion.api(developer, 'POST', `/api/v1/environments/${environmentId}/sync`, {});
	expect(second.status).toBe(409);
	expect(second.body.error).toMatchObject({
		code: 'conflict',
		message: 'A sync of "busy" is already running',
		details: { jobId: first.body.id },
	});
	await readEvents(`${companion.url}/api/v1/jobs/${first.body.id}/events`, { authorization: `Bearer ${developer}` });
});

test('of several syncs requested at once, exactly one starts', async () => {
	const environmentId = await createEnvironment('race');
	const responses = await Promise.all(
		Array.from({ length: 5 }, () => companion.api(developer, 'POST', `/api/v1/environments/${environmentId}/sync`, {})),
	);
	expect(responses.map((response) => response.status).sort()).toEqual([202, 409, 409, 409, 409]);
	const started = responses.find((response) => response.status === 202)!;
	await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, { authorization: `Bearer ${developer}` });
});

test('bad input and unknown ids are clear', async () => {
	const environmentId = await createEnvironment('errors');
	expect(
		(await companion.api(developer, 'POST', `/api/v1/environments/${environmentId}/sync`, { scope: 'everything' }))
			.status,
	).toBe(400);
	expect((await companion.api(developer, 'POST', '/api/v1/environments/nope/sync', {})).status).toBe(404);
	expect((await companion.api(developer, 'GET', '/api/v1/environments/nope/workflows')).status).toBe(404);
	expect((await companion.api(developer, 'GET', '/api/v1/jobs/nope')).status).toBe(404);
	expect((await companion.api(developer, 'GET', '/api/v1/jobs/nope/events')).status).toBe(404);
	const viewer = await companion.token('viewer');
	expect((await companion.api(viewer, 'POST', `/api/v1/environments/${environmentId}/sync`, {})).status).toBe(403);
});

test('a sync is audited with what it pulled', async () => {
	const { body } = await companion.api(admin, 'GET', '/api/v1/audit?action=environment.sync&limit=1');
	expect(body.data[0]).toMatchObject({ action: 'environment.sync', metadata: { scope: 'all' } });
});

test('jobs a replica gone left running are marked failed when taken over', async () => {
	const { failOrphanedJobs } = await import('../../service/domain/jobs/jobs');
	await companion.db
		.insertInto('jobs')
		.values({
			id: 'stale',
			kind: 'inventory.sync',
			environment_id: null,
			subject: null,
			status: 'running',
			progress: '{}',
			result: null,
			error: null,
			created_by: null,
			created_at: new Date().toISOString(),
			finished_at: null,
		})
		.execute();
	expect(await failOrphanedJobs(companion.db)).toMatchObject([{ id: 'stale', status: 'failed' }]);
	expect((await companion.api(developer, 'GET', '/api/v1/jobs/stale')).body).toMatchObject({
		status: 'failed',
		error: 'interrupted: the companion stopped while it ran',
	});
});
