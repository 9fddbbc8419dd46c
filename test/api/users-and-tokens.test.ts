import { type Companion, startCompanion } from '../support/companion';

let companion: Companion;
let admin: string;

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
	admin = await companion.token('admin');
});
afterAll(() => companion.close());

test('a token is returned once, stored hashed, listed without its secret, and revocable', async () => {
	const created = await companion.api(admin, 'POST', '/api/v1/tokens', { name: 'n8n prod', role: 'developer' });
	expect(created.status).toBe(201);
	expect(created.body).toMatchObject({
		name: 'n8n prod',
		role: 'developer',
		token: expect.stringMatching(/^wfo_[\w-]{43}$/),
		lastUsedAt: null,
	});
	const secret = created.body.token;
	const row = await companion.db
		.selectFrom('api_tokens')
		.selectAll()
		.where('id', '=', created.body.id)
		.executeTakeFirstOrThrow();
	expect(JSON.stringify(row)).not.toContain(secret);

	const me = await companion.api(secret, 'GET', '/api/v1/me');
	expect(me.body).toEqual({ kind: 'token', id: created.body.id, name: 'n8n prod', role: 'developer' });

	const listed = await companion.api(admin, 'GET', '/api/v1/tokens');
	const entry = listed.body.data.find((t: { id: string }) => t.id === created.body.id);
	expect(entry.lastUsedAt).not.toBeNull();
	expect(JSON.stringify(listed.body)).not.toContain(secret);
	expect(entry.prefix).toBe(secret.slice(0, 10));

	expect((await companion.api(admin, 'DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
	expect((await companion.api(secret, 'GET', '/api/v1/me')).status).toBe(401);
	expect((await companion.api(admin, 'DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(404);
});

test('token input is validated', async () => {
	const response = await companion.api(admin, 'POST', '/api/v1/tokens', { name: ' ', role: 'root' });
	expect(response.status).toBe(400);
	expect(response.body.error.details).toEqual([
		{ field: 'name', message: 'must not be empty' },
		{ field: 'role', message: 'must be viewer, developer or admin' },
	]);
});

test('users: create, duplicate email is 409, password stored hashed, delete', async () => {
	const created = await companion.api(admin, 'POST', '/api/v1/users', {
		email: ' Dev@Example.com ',
		role: 'developer',
		password: 'a long password',
	});
	expect(created.status).toBe(201);
	expect(created.body).toMatchObject({ email: 'dev@example.com', role: 'developer' });
	expect(JSON.stringify(created.body)).not.toMatch(/password/i);
	const row = await companion.db
		.selectFrom('users')
		.select('password_hash')
		.where('id', '=', created.body.id)
		.executeTakeFirstOrThrow();
	expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
	const duplicate = await companion.api(admin, 'POST', '/api/v1/users', {
		email: 'dev@example.com',
		role: 'viewer',
		password: 'another password',
	});
	expect(duplicate.status).toBe(409);
	expect((await companion.api(admin, 'DELETE', `/api/v1/users/${created.body.id}`)).status).toBe(204);
	const users = await companion.api(admin, 'GET', '/api/v1/users');
	expect(users.body.data.map((u: { email: string }) => u.email)).toEqual(['owner@example.com']);
});

test('the last admin cannot be deleted', async () => {
	const owner = await companion.db
		.selectFrom('users')
		.select('id')
		.where('email', '=', 'owner@example.com')
		.executeTakeFirstOrThrow();
	const response = await companion.api(admin, 'DELETE', `/api/v1/users/${owner.id}`);
	expect(response.status).toBe(409);
	expect(response.body.error.message).toBe(
		'This is the last admin: make another user admin before this one is deleted',
	);
});

test('a short password is refused with what is wrong', async () => {
	const response = await companion.api(admin, 'POST', '/api/v1/users', {
		email: 'x@example.com',
		role: 'viewer',
		password: 'short',
	});
	expect(response.status).toBe(400);
	expect(response.body.error.details).toEqual([{ field: 'password', message: 'must be at least 10 characters' }]);
});

test('every change above is in the audit log with its actor', async () => {
	const { body } = await companion.api(admin, 'GET', '/api/v1/audit?limit=250');
	const actions = body.data.map((e: { action: string }) => e.action);
	expect(actions).toEqual(expect.arrayContaining(['token.create', 'token.revoke', 'user.create', 'user.delete']));
	expect((await companion.api(admin, 'GET', '/api/v1/audit/verify')).body.valid).toBe(true);
});
