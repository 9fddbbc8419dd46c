import { openSession } from '../../service/domain/auth/sessions';
import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { type Companion, startCompanion } from '../support/companion';
import { CSRF } from '../support/sessions';
import { UiClient } from '../support/ui-client';

let companion: Companion;
let admin: string;

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
	admin = await companion.token('admin');
});
afterAll(() => companion.close());

/** A new user of that role, and `signIn()` opening a fresh session for them (its cookie headers). */
async function member(role: 'viewer' | 'developer' | 'admin', password = 'a long password') {
	const email = `${role}-${Math.random().toString(36).slice(2)}@example.com`;
	const user = await createUser(companion.db, CLI_CONTEXT, { email, password, role });
	const signIn = async () => {
		const row = await companion.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
		const secret = await openSession(companion.db, CLI_CONTEXT, row);
		return { cookie: `wfo_session=${secret}; wfo_csrf=${CSRF}`, 'x-csrf-token': CSRF };
	};
	return { ...user, email, password, signIn };
}

/** A call to the API with a session's cookies. */
const asSession = async (headers: Record<string, string>, method: string, path: string, body?: unknown) => {
	const response = await fetch(`${companion.url}/api/v1${path}`, {
		method,
		headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as any };
};

test('an admin changes a role: it holds from the next request', async () => {
	const dev = await member('developer');
	const session = await dev.signIn();
	expect((await asSession(session, 'GET', '/me')).body.role).toBe('developer');
	const changed = await companion.api(admin, 'PATCH', `/api/v1/users/${dev.id}`, { role: 'viewer' });
	expect(changed.body).toMatchObject({ role: 'viewer', disabled: false });
	expect((await asSession(session, 'GET', '/me')).body.role).toBe('viewer');
	expect((await companion.api(admin, 'PATCH', `/api/v1/users/${dev.id}`, {})).status).toBe(400);
	expect(
		(await companion.api(admin, 'PATCH', `/api/v1/users/${dev.id}`, { role: 'owner' })).body.error.details,
	).toEqual([{ field: 'role', message: 'must be viewer, developer or admin' }]);
	expect((await companion.api(admin, 'PATCH', '/api/v1/users/nobody', { role: 'viewer' })).status).toBe(404);
});

test('a disabled user is signed out at once, cannot sign in, and their tokens stop working until enabled', async () => {
	const dev = await member('admin');
	const session = await dev.signIn();
	const made = await asSession(session, 'POST', '/tokens', { name: 'their token', role: 'developer' });
	expect(made.status).toBe(201);
	expect((await companion.api(made.body.token, 'GET', '/api/v1/me')).status).toBe(200);

	const disabled = await companion.api(admin, 'PATCH', `/api/v1/users/${dev.id}`, { disabled: true });
	expect(disabled.body).toMatchObject({ disabled: true });
	expect((await asSession(session, 'GET', '/me')).status).toBe(401);
	expect((await companion.api(made.body.token, 'GET', '/api/v1/me')).status).toBe(401);
	const login = await new UiClient(companion.url).post('/login', { email: dev.email, password: dev.password });
	expect([login.status, await login.text()]).toEqual([403, expect.stringContaining('This account is disabled')]);
	const wrong = await new UiClient(companion.url).post('/login', { email: dev.email, password: 'not the password' });
	expect(wrong.status).toBe(401);

	await companion.api(admin, 'PATCH', `/api/v1/users/${dev.id}`, { disabled: false });
	expect((await companion.api(made.body.token, 'GET', '/api/v1/me')).status).toBe(200);
	const again = await new UiClient(companion.url).post('/login', { email: dev.email, password: dev.password });
	expect([again.status, again.headers.get('location')]).toEqual([303, '/environments']);
});

test('the last admin can be neither demoted nor disabled; with another admin, they can', async () => {
	const users = (await companion.api(admin, 'GET', '/api/v1/users')).body.data as Array<{ id: string; role: string }>;
	for (const other of users.filter((user) => user.role === 'admin' && user.id !== users[0].id))
		await companion.api(admin, 'PATCH', `/api/v1/users/${other.id}`, { role: 'viewer' });
	const last = users.find((user) => user.role === 'admin')!;
	const remaining = (await companion.api(admin, 'GET', '/api/v1/users')).body.data.filter(
		(user: { role: string; disabled: boolean }) => user.role === 'admin' && !user.disabled,
	);
	expect(remaining.map((user: { id: string }) => user.id)).toEqual([last.id]);
	for (const patch of [{ role: 'developer' }, { disabled: true }]) {
		const refused = await companion.api(admin, 'PATCH', `/api/v1/users/${last.id}`, patch);
		expect([refused.status, refused.body.error.message]).toEqual([
			409,
			'This is the last admin: make another user admin before this one is demoted or disabled',
		]);
	}
	const second = await member('admin');
	expect((await companion.api(admin, 'PATCH', `/api/v1/users/${last.id}`, { disabled: true })).status).toBe(200);
	const back = await companion.api(admin, 'PATCH', `/api/v1/users/${last.id}`, { disabled: false });
	expect(back.body).toMatchObject({ disabled: false, role: 'admin' });
	await companion.api(admin, 'DELETE', `/api/v1/users/${second.id}`);
});

test('an admin resets a password: the user’s sessions end and the new password signs in', async () => {
	const viewer = await member('viewer');
	const session = await viewer.signIn();
	const short = await companion.api(admin, 'PUT', `/api/v1/users/${viewer.id}/password`, { password: 'short' });
	expect(short.body.error.details).toEqual([{ field: 'password', message: 'must be at least 10 characters' }]);
	expect(
		(await companion.api(admin, 'PUT', `/api/v1/users/${viewer.id}/password`, { password: 'a new long one' })).status,
	).toBe(204);
	expect((await asSession(session, 'GET', '/me')).status).toBe(401);
	const login = await new UiClient(companion.url).post('/login', { email: viewer.email, password: 'a new long one' });
	expect(login.status).toBe(303);
});

test('one’s own password and sessions: change it with the current one (other sessions end), list and sign one out', async () => {
	const dev = await member('developer');
	const [here, elsewhere] = [await dev.signIn(), await dev.signIn()];
	const sessions = await asSession(here, 'GET', '/me/sessions');
	expect(sessions.body.data).toHaveLength(2);
	expect(sessions.body.data.filter((session: { current: boolean }) => session.current)).toHaveLength(1);
	expect(JSON.stringify(sessions.body)).not.toContain(here.cookie.split(';')[0].split('=')[1]);

	const wrong = await asSession(here, 'PUT', '/me/password', {
		currentPassword: 'nope',
		newPassword: 'another long one',
	});
	expect([wrong.status, wrong.body.error.message]).toEqual([422, 'The current password is wrong']);
	const changed = await asSession(here, 'PUT', '/me/password', {
		currentPassword: dev.password,
		newPassword: 'another long one',
	});
	expect(changed.status).toBe(204);
	expect((await asSession(elsewhere, 'GET', '/me')).status).toBe(401);
	const left = (await asSession(here, 'GET', '/me/sessions')).body.data;
	expect(left).toEqual([expect.objectContaining({ current: true })]);

	const third = await dev.signIn();
	const other = (await asSession(here, 'GET', '/me/sessions')).body.data.find(
		(session: { current: boolean }) => !session.current,
	);
	expect((await asSession(here, 'DELETE', `/me/sessions/${other.id}`)).status).toBe(204);
	expect((await asSession(third, 'GET', '/me')).status).toBe(401);
	expect((await asSession(here, 'DELETE', `/me/sessions/${other.id}`)).status).toBe(404);
	// An admin sees and ends a user's sessions too.
	const listed = await companion.api(admin, 'GET', `/api/v1/users/${dev.id}/sessions`);
	expect(listed.body.data).toHaveLength(1);
	expect(
		(await companion.api(admin, 'DELETE', `/api/v1/users/${dev.id}/sessions/${listed.body.data[0].id}`)).status,
	).toBe(204);
	expect((await asSession(here, 'GET', '/me')).status).toBe(401);
	// A token has no sessions and no password.
	expect((await companion.api(admin, 'GET', '/api/v1/me/sessions')).body.data).toEqual([]);
	const tokenChange = await companion.api(admin, 'PUT', '/api/v1/me/password', {
		currentPassword: 'x',
		newPassword: 'another long one',
	});
	expect(tokenChange.status).toBe(403);
});

test('the users page changes roles, disables, resets passwords; the account page changes one’s password', async () => {
	const owner = new UiClient(companion.url);
	const { cookie } = await (await member('admin', 'owner password 1')).signIn();
	owner.cookies.set('wfo_session', cookie.split(';')[0].split('=')[1]);
	const target = await member('developer');
	const page = await (await owner.get('/users')).text();
	expect(page).toContain(`action="/users/${target.id}/role"`);
	expect(page).toContain(`action="/users/${target.id}/disable"`);

	expect((await owner.post(`/users/${target.id}/role`, { role: 'viewer' })).status).toBe(303);
	expect((await owner.post(`/users/${target.id}/role`, { role: 'owner' })).status).toBe(422);
	expect((await owner.post(`/users/${target.id}/disable`, {})).status).toBe(303);
	const listed = await (await owner.get('/users')).text();
	expect(listed).toContain(`action="/users/${target.id}/enable"`);
	expect(listed).toContain('disabled</span>');
	const short = await owner.post(`/users/${target.id}/password`, { password: 'short' });
	expect([short.status, await short.text()]).toEqual([422, expect.stringContaining('must be at least 10 characters')]);
	expect((await owner.post(`/users/${target.id}/password`, { password: 'a good long one' })).status).toBe(303);
	const rows = await companion.db.selectFrom('users').selectAll().where('id', '=', target.id).executeTakeFirstOrThrow();
	expect(rows).toMatchObject({ role: 'viewer', disabled_at: expect.any(String) });

	const account = await (await owner.get('/account')).text();
	expect(account).toContain('<h1>Your account</h1>');
	expect(account).toContain('this one</span>');
	const mismatch = await owner.post('/account/password', {
		currentPassword: 'owner password 1',
		newPassword: 'owner password 2',
		confirm: 'something else',
	});
	expect([mismatch.status, await mismatch.text()]).toEqual([422, expect.stringContaining('does not match')]);
	const wrong = await owner.post('/account/password', {
		currentPassword: 'not it at all',
		newPassword: 'owner password 2',
		confirm: 'owner password 2',
	});
	expect([wrong.status, await wrong.text()]).toEqual([422, expect.stringContaining('Current password is wrong')]);
	const done = await owner.post('/account/password', {
		currentPassword: 'owner password 1',
		newPassword: 'owner password 2',
		confirm: 'owner password 2',
	});
	expect([done.status, await done.text()]).toEqual([200, expect.stringContaining('Your password is changed')]);
});

test('each change is audited', async () => {
	const { body } = await companion.api(admin, 'GET', '/api/v1/audit?limit=250');
	const actions = new Set(body.data.map((entry: { action: string }) => entry.action));
	for (const action of ['user.update', 'user.password_reset', 'user.password_change', 'auth.session_end'])
		expect(actions).toContain(action);
	expect((await companion.api(admin, 'GET', '/api/v1/audit/verify')).body.valid).toBe(true);
});
