import fs from 'node:fs';
import { type Companion, startCompanion } from '../support/companion';
import { closedPort, startFakeN8n } from '../support/fake-n8n';

const API_KEY = 'n8n_api_9f8e7d6c5b4a-super-secret';
let companion: Companion;
let admin: string;

beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
});
afterAll(() => companion.close());

const create = (body: Record<string, unknown>) => companion.api(admin, 'POST', '/api/v1/environments', body);

test('create, read, list, update and delete an environment; the API key never comes back', async () => {
	const created = await create({
		name: 'staging',
		baseUrl: 'https://n8n.example.com/api/v1/',
		class: 'staging',
		apiKey: API_KEY,
		notes: 'EU',
	});
	expect(created.status).toBe(201);
	expect(created.body).toMatchObject({
		name: 'staging',
		baseUrl: 'https://n8n.example.com',
		class: 'staging',
		notes: 'EU',
		lastTest: null,
	});
	const id = created.body.id;

	const read = await companion.api(admin, 'GET', `/api/v1/environments/${id}`);
	expect(read.body).toEqual(created.body);
	const list = await companion.api(admin, 'GET', '/api/v1/environments');
	expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);

	const patched = await companion.api(admin, 'PATCH', `/api/v1/environments/${id}`, {
		class: 'prod',
		apiKey: 'replacement-key',
	});
	expect(patched.status).toBe(200);
	expect(patched.body).toMatchObject({ class: 'prod', name: 'staging' });

	for (const response of [created, read, list, patched])
		expect(JSON.stringify(response.body)).not.toMatch(/super-secret|replacement-key|apiKey|api_key/);

	expect((await companion.api(admin, 'DELETE', `/api/v1/environments/${id}`)).status).toBe(204);
	expect((await companion.api(admin, 'GET', `/api/v1/environments/${id}`)).status).toBe(404);

	const history = await companion.api(admin, 'GET', `/api/v1/audit?environmentId=${id}`);
	expect(history.body.data.map((e: { action: string }) => e.action)).toEqual([
		'environment.delete',
		'environment.update',
		'environment.create',
	]);
	expect(history.body.data[1].metadata).toEqual({ name: 'staging', changed: { class: 'prod', apiKey: '(replaced)' } });
});

test('the API key is encrypted at rest: the SQLite file never holds it in clear', async () => {
	await create({ name: 'at-rest', baseUrl: 'http://127.0.0.1:1234', class: 'dev', apiKey: API_KEY });
	const row = await companion.db
		.selectFrom('environments')
		.select('api_key_sealed')
		.where('name', '=', 'at-rest')
		.executeTakeFirstOrThrow();
	expect(row.api_key_sealed).not.toContain(API_KEY);
	for (const file of [companion.databaseFile, `${companion.databaseFile}-wal`].filter(fs.existsSync)) {
		expect(fs.readFileSync(file).includes(Buffer.from(API_KEY))).toBe(false);
	}
});

test('names are unique regardless of case: 409', async () => {
	await create({ name: 'Unique', baseUrl: 'http://a.example', class: 'dev', apiKey: 'k' });
	const clash = await create({ name: 'unique', baseUrl: 'http://b.example', class: 'dev', apiKey: 'k' });
	expect(clash.status).toBe(409);
	expect(clash.body.error).toEqual({ code: 'conflict', message: 'An environment named "unique" already exists' });
});

test('bad input: 400 listing every bad field, nothing stored', async () => {
	const before = await companion.api(admin, 'GET', '/api/v1/environments');
	const response = await create({ name: '', baseUrl: 'not a url', class: 'qa' });
	expect(response.status).toBe(400);
	expect(response.body.error.code).toBe('invalid_request');
	expect(response.body.error.details).toEqual([
		{ field: 'name', message: 'must not be empty' },
		{ field: 'baseUrl', message: 'must be an http:// or https:// URL such as https://n8n.example.com' },
		{ field: 'class', message: 'must be dev, staging or prod' },
		{ field: 'apiKey', message: 'is required' },
	]);
	expect((await companion.api(admin, 'GET', '/api/v1/environments')).body).toEqual(before.body);
});

test.each([
	[
		'a line break',
		'n8n_api_abc\r\nX-Injected: 1',
		'must be on one line: it holds a line break (copy it again without one)',
	],
	['a NUL', 'n8n_api_\u0000abc', 'holds a control character at position 9: copy it again'],
	['a non-ASCII character', 'n8n_api_ключ', 'holds "к" at position 9, which a key never does: copy it again'],
])('an API key with %s is refused at input with the reason', async (_what, apiKey, message) => {
	const response = await create({ name: 'pasted', baseUrl: 'http://a.example', class: 'dev', apiKey });
	expect(response.status).toBe(400);
	expect(response.body.error.details).toEqual([{ field: 'apiKey', message }]);
});

test('unknown ids are 404 for every verb', async () => {
	for (const [method, path] of [
		['GET', '/api/v1/environments/nope'],
		['PATCH', '/api/v1/environments/nope'],
		['DELETE', '/api/v1/environments/nope'],
		['POST', '/api/v1/environments/nope/test'],
	]) {
		const response = await companion.api(admin, method, path, method === 'PATCH' ? { notes: 'x' } : undefined);
		expect(response.status).toBe(404);
		expect(response.body.error).toEqual({ code: 'not_found', message: 'Environment was not found' });
	}
});

describe('test connection', () => {
	let fake: Awaited<ReturnType<typeof startFakeN8n>>;
	beforeAll(async () => {
		fake = await startFakeN8n((req, url) => {
			if (url.pathname === '/rest/settings') return { status: 200, body: { data: { versionCli: '1.123.81' } } };
			if (req.headers['x-n8n-api-key'] === 'good-key') return { status: 200, body: { data: [], nextCursor: null } };
			if (req.headers['x-n8n-api-key'] === 'scoped-key') return { status: 403, body: { message: 'Forbidden' } };
			return { status: 401, body: { message: 'unauthorized' } };
		});
	});
	afterAll(() => fake.close());

	const testWith = async (name: string, baseUrl: string, apiKey: string) => {
		const { body } = await create({ name, baseUrl, class: 'prod', apiKey });
		return companion.api(admin, 'POST', `/api/v1/environments/${body.id}/test`);
	};

	test('a good key reports reachable, authenticated and the version, and records it', async () => {
		const response = await testWith('good', fake.url, 'good-key');
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({
			ok: true,
			reachable: true,
			authenticated: true,
			version: '1.123.81',
			errorKind: null,
		});
		const list = await companion.api(admin, 'GET', '/api/v1/environments');
		expect(list.body.data.find((e: { name: string }) => e.name === 'good').lastTest).toMatchObject({
			ok: true,
			version: '1.123.81',
		});
	});

	test.each([
		['wrong key', () => fake.url, 'bad-key', 'unauthorized', /n8n "wrong key" rejected the API key \(401\)/],
		['key without scope', () => fake.url, 'scoped-key', 'forbidden', /does not allow the API key to do this \(403\)/],
		[
			'nothing listening',
			() => `http://127.0.0.1:${port}`,
			'good-key',
			'refused',
			/refused the connection: is n8n running/,
		],
		['unknown host', () => 'http://n8n.invalid', 'good-key', 'dns', /does not resolve/],
		['not an n8n', () => companion.url, 'good-key', 'not_n8n', /not as n8n’s public API does/],
	])('%s gives its own clear message, never the key', async (name, url, key, kind, message) => {
		const response = await testWith(name, url(), key);
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ ok: false, errorKind: kind });
		expect(response.body.message).toMatch(message);
		expect(response.body.message).not.toContain(key);
	});
});

let port: number;
beforeAll(async () => {
	port = await closedPort();
});
