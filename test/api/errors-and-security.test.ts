import { type Companion, startCompanion } from '../support/companion';

let companion: Companion;
let admin: string;

beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
});
afterAll(() => companion.close());

test('malformed JSON is a 400 with the error shape', async () => {
	const response = await companion.api(admin, 'POST', '/api/v1/environments', '{"name": ');
	expect(response.status).toBe(400);
	expect(response.body).toEqual({ error: { code: 'invalid_request', message: 'The request body is not valid JSON' } });
});

test('a too large body is a 413', async () => {
	const response = await companion.api(admin, 'POST', '/api/v1/audit', {
		action: 'x',
		metadata: { blob: 'x'.repeat(2_000_000) },
	});
	expect(response.status).toBe(413);
	expect(response.body.error.code).toBe('too_large');
});

test('an unknown API route is a JSON 404', async () => {
	const response = await companion.api(admin, 'GET', '/api/v1/nothing-here');
	expect(response.status).toBe(404);
	expect(response.body).toEqual({ error: { code: 'not_found', message: 'No API route GET /api/v1/nothing-here' } });
});

test('no credentials and bad credentials are 401 with a message saying what to send', async () => {
	const anonymous = await fetch(`${companion.url}/api/v1/me`);
	expect(anonymous.status).toBe(401);
	expect(((await anonymous.json()) as any).error.message).toMatch(/Authorization: Bearer <token>/);
	const wrong = await companion.api('wfo_wrong', 'GET', '/api/v1/me');
	expect(wrong.status).toBe(401);
	expect(wrong.body.error.message).toBe('The API token is unknown or revoked');
	const notBearer = await fetch(`${companion.url}/api/v1/me`, { headers: { authorization: 'Basic abc' } });
	expect(notBearer.status).toBe(401);
});

test('a session-authenticated API write without the CSRF header is refused', async () => {
	const { sessionHeaders } = await import('../support/sessions');
	const headers = await sessionHeaders(companion, 'admin');
	const { 'x-csrf-token': _csrf, ...withoutCsrf } = headers;
	const body = JSON.stringify({ action: 'csrf.check' });
	const refused = await fetch(`${companion.url}/api/v1/audit`, {
		method: 'POST',
		headers: { ...withoutCsrf, 'content-type': 'application/json' },
		body,
	});
	expect(refused.status).toBe(403);
	const allowed = await fetch(`${companion.url}/api/v1/audit`, {
		method: 'POST',
		headers: { ...headers, 'content-type': 'application/json' },
		body,
	});
	expect(allowed.status).toBe(201);
	expect((await fetch(`${companion.url}/api/v1/me`, { headers: withoutCsrf })).status).toBe(200);
});

test('security headers are set on pages and API responses', async () => {
	for (const path of ['/login', '/api/v1/me']) {
		const response = await fetch(companion.url + path, { headers: { authorization: `Bearer ${admin}` } });
		expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
		expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
		expect(response.headers.get('x-powered-by')).toBeNull();
	}
});

test('health and readiness need no credentials', async () => {
	expect(await (await fetch(`${companion.url}/healthz`)).json()).toEqual({ status: 'ok' });
	expect(await (await fetch(`${companion.url}/healthz/readiness`)).json()).toEqual({ status: 'ready' });
});

test('request logs never hold tokens, API keys, passwords or cookies', async () => {
	const apiKey = 'n8n-key-that-must-not-be-logged';
	await companion.api(admin, 'POST', '/api/v1/environments', {
		name: 'log-check',
		baseUrl: 'http://127.0.0.1:9',
		class: 'dev',
		apiKey,
	});
	await companion.api(admin, 'POST', '/api/v1/users', {
		email: 'logs@example.com',
		role: 'viewer',
		password: 'password-not-logged',
	});
	const created = await companion.api(admin, 'POST', '/api/v1/tokens', { name: 'log token', role: 'viewer' });
	await companion.api(created.body.token, 'GET', '/api/v1/me?token=ignored');
	const logs = companion.logLines.join('\n');
	expect(logs).toContain('"url":"/api/v1/environments"');
	for (const secret of [apiKey, 'password-not-logged', created.body.token, admin, 'ignored'])
		expect(logs).not.toContain(secret);
});

test('OpenAPI document: every route, request schemas from zod, no auth needed', async () => {
	const response = await fetch(`${companion.url}/api/v1/openapi.json`);
	const doc = (await response.json()) as any;
	expect(doc.openapi).toBe('3.1.0');
	expect(Object.keys(doc.paths)).toEqual(
		expect.arrayContaining([
			'/api/v1/me',
			'/api/v1/environments',
			'/api/v1/environments/{id}',
			'/api/v1/environments/{id}/test',
			'/api/v1/audit',
			'/api/v1/audit/verify',
			'/api/v1/users',
			'/api/v1/tokens/{id}',
		]),
	);
	const create = doc.paths['/api/v1/environments'].post.requestBody.content['application/json'].schema;
	expect(create.required).toEqual(['name', 'baseUrl', 'class', 'apiKey']);
	expect(create.properties.class.enum).toEqual(['dev', 'staging', 'prod']);
	const auditParams = doc.paths['/api/v1/audit'].get.parameters.map((p: { name: string }) => p.name);
	expect(auditParams).toEqual(
		expect.arrayContaining(['actor', 'action', 'environmentId', 'from', 'to', 'limit', 'cursor', 'format']),
	);
	expect(doc.paths['/api/v1/environments/{id}'].get.parameters).toEqual([
		expect.objectContaining({ name: 'id', in: 'path', required: true }),
	]);
});

test('unknown errors are a 500 without a stack, logged with the request id', async () => {
	const broken = await startCompanion();
	const token = await broken.token('admin');
	await broken.db.destroy();
	const response = await broken.api(token, 'GET', '/api/v1/me');
	expect(response.status).toBe(500);
	expect(response.body.error.code).toBe('internal');
	expect(response.body.error.message).toMatch(/the companion's log has the details \(request [0-9a-f-]{36}\)/);
	expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts|Error:/);
	expect(broken.logLines.some((line) => line.includes('request failed'))).toBe(true);
	expect((await fetch(`${broken.url}/healthz/readiness`)).status).toBe(503);
	await broken.close();
});
