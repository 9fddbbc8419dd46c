import { type Companion, startCompanion } from '../support/companion';

let companion: Companion;
let admin: string;
let developer: string;

beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
	developer = await companion.token('developer');
	for (let i = 0; i < 30; i++) {
		await companion.api(developer, 'POST', '/api/v1/audit', {
			action: i % 2 ? 'deploy.odd' : 'deploy.even',
			resourceType: 'workflow',
			resourceId: `wf-${i}`,
			environmentId: i < 10 ? 'env-a' : 'env-b',
			metadata: { i },
		});
	}
});
afterAll(() => companion.close());

const get = (query: string) => companion.api(admin, 'GET', `/api/v1/audit${query}`);

test('custom entries are stored under custom.<action> with the caller as actor', async () => {
	const { body } = await get('?action=custom.deploy.even&limit=1');
	expect(body.data[0]).toMatchObject({
		action: 'custom.deploy.even',
		actor: { type: 'token', name: expect.stringMatching(/^test developer/) },
		resourceType: 'workflow',
		resourceId: 'wf-28',
		environmentId: 'env-b',
		metadata: { i: 28 },
		ip: expect.any(String),
		userAgent: expect.any(String),
	});
});

test('filters: action, action prefix, actor, resource, environment, time range', async () => {
	expect((await get('?action=custom.deploy.odd&limit=100')).body.data).toHaveLength(15);
	expect((await get('?action=custom.deploy.*&limit=100')).body.data).toHaveLength(30);
	expect((await get('?action=custom.*&environmentId=env-a&limit=100')).body.data).toHaveLength(10);
	expect((await get('?resourceType=workflow&resourceId=wf-3')).body.data.map((e: any) => e.metadata.i)).toEqual([3]);
	const actorName = (await get('?limit=1&action=custom.deploy.odd')).body.data[0].actor.name;
	expect((await get(`?actor=${encodeURIComponent(actorName)}&limit=100`)).body.data).toHaveLength(30);
	expect((await get('?from=2999-01-01T00:00:00Z')).body.data).toHaveLength(0);
	expect((await get('?to=2000-01-01T00:00:00Z')).body.data).toHaveLength(0);
	expect(
		(await get(`?from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}&action=custom.*&limit=100`))
			.body.data,
	).toHaveLength(30);
});

test('cursor pagination walks every entry once, newest first', async () => {
	const seen: number[] = [];
	let cursor: string | null = null;
	do {
		const { body }: { body: any } = await get(`?action=custom.*&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
		seen.push(...body.data.map((e: any) => e.metadata.i));
		cursor = body.nextCursor;
	} while (cursor);
	expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
});

test.each([
	['?cursor=not-a-cursor', 'cursor is not one this API returned'],
	['?limit=0', 'limit'],
	['?limit=1000', 'limit'],
	['?from=yesterday', 'from'],
	['?format=xml', 'format'],
])('bad query %s: 400 naming it', async (query, mentions) => {
	const { status, body } = await get(query);
	expect(status).toBe(400);
	expect(body.error.message).toContain(mentions);
});

test.each([
	[{ action: '' }, 'action'],
	[{ action: 'a b' }, 'action'],
	[{ action: 'ok', metadata: 'text' }, 'metadata'],
	[{ action: 'ok', metadata: { big: 'x'.repeat(20_000) } }, 'metadata must be at most 16384 bytes'],
	// 6,000 characters, 18,000 bytes: the limit counts bytes.
	[{ action: 'ok', metadata: { big: '€'.repeat(6_000) } }, 'metadata must be at most 16384 bytes'],
	[
		{ action: 'ok', metadata: JSON.parse('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)) },
		'nested deeper than 64 levels',
	],
])('bad custom entry %#: 400, nothing appended', async (body, mentions) => {
	const before = (await get('?limit=1')).body.data[0].id;
	const response = await companion.api(developer, 'POST', '/api/v1/audit', body);
	expect(response.status).toBe(400);
	expect(response.body.error.message).toContain(mentions);
	expect((await get('?limit=1')).body.data[0].id).toBe(before);
});

test('JSON Lines export streams every match, oldest first, as a download', async () => {
	const response = await fetch(`${companion.url}/api/v1/audit?format=jsonl&action=custom.*`, {
		headers: { authorization: `Bearer ${admin}` },
	});
	expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
	expect(response.headers.get('content-disposition')).toMatch(
		/^attachment; filename="?workflowops-audit-\d{4}-\d{2}-\d{2}\.jsonl"?$/,
	);
	const lines = (await response.text())
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line));
	expect(lines.map((entry) => entry.metadata.i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
});

test('CSV export has a header, quotes what needs quoting and defuses formulas', async () => {
	await companion.api(developer, 'POST', '/api/v1/audit', {
		action: 'csv.check',
		resourceId: '=HYPERLINK("x")',
		metadata: { note: 'a, "b"\nc' },
	});
	const response = await fetch(`${companion.url}/api/v1/audit?format=csv&action=custom.csv.check`, {
		headers: { authorization: `Bearer ${admin}` },
	});
	expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
	const text = await response.text();
	const [header, row] = text.split('\r\n');
	expect(header).toBe(
		'id,at,actor_type,actor_id,actor_name,n8n_workflow_id,n8n_execution_id,action,resource_type,resource_id,environment_id,metadata,ip,user_agent,prev_hash,hash',
	);
	expect(row).toContain(`"'=HYPERLINK(""x"")"`);
	expect(text).toContain(`"{""note"":""a, \\""b\\""\\nc""}"`);
});

test('an export of many entries streams in batches', async () => {
	const body = Array.from({ length: 2500 }, (_, i) => i);
	await companion.db.transaction().execute(async (trx) => {
		const { appendAudit } = await import('../../service/domain/audit/audit-log');
		for (const i of body)
			await appendAudit(
				trx,
				{ actor: { type: 'system', id: null, name: 'bulk' }, ip: null, userAgent: null },
				{ action: 'bulk', metadata: { i } },
			);
	});
	const response = await fetch(`${companion.url}/api/v1/audit?format=jsonl&action=bulk`, {
		headers: { authorization: `Bearer ${admin}` },
	});
	const lines = (await response.text()).trim().split('\n');
	expect(lines).toHaveLength(2500);
	expect(JSON.parse(lines[2499]).metadata.i).toBe(2499);
});

test('concurrent custom entries are committed together, each returned with its own id, the chain intact', async () => {
	const responses = await Promise.all(
		Array.from({ length: 120 }, (_, i) =>
			companion.api(developer, 'POST', '/api/v1/audit', { action: 'burst', metadata: { i } }),
		),
	);
	expect(responses.every((response) => response.status === 201)).toBe(true);
	expect(new Set(responses.map((response) => response.body.id)).size).toBe(120);
	expect(responses.map((response) => response.body.metadata.i)).toEqual(Array.from({ length: 120 }, (_, i) => i));
	expect((await get('/verify')).body.valid).toBe(true);
});

test('verify reports the whole chain valid', async () => {
	const { body } = await get('/verify');
	expect(body.valid).toBe(true);
	expect(body.checked).toBeGreaterThan(2500);
});

test('behind a trusted proxy the entry names the client its X-Forwarded-For gives; an untrusted header is ignored', async () => {
	const behindProxy = await startCompanion({ trustProxy: ['loopback'] });
	try {
		const append = async (companionUrl: string, token: string) => {
			const response = await fetch(`${companionUrl}/api/v1/audit`, {
				method: 'POST',
				headers: {
					authorization: `Bearer ${token}`,
					'content-type': 'application/json',
					'x-forwarded-for': '203.0.113.7',
				},
				body: JSON.stringify({ action: 'forwarded' }),
			});
			return ((await response.json()) as { ip: string }).ip;
		};
		expect(await append(behindProxy.url, await behindProxy.token('developer'))).toBe('203.0.113.7');
		expect(await append(companion.url, developer)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
	} finally {
		await behindProxy.close();
	}
});
