import type { AddressInfo } from 'node:net';
import { createApp } from '../../service/app';
import { type Companion, startCompanion } from '../support/companion';
import { signedInClient, UiClient } from '../support/ui-client';

let companion: Companion;
let ui: UiClient;
const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

beforeAll(async () => {
	companion = await startCompanion({ loginLimits: { perAccount: 3, perIp: 6 } });
	ui = new UiClient(companion.url);
});
afterAll(() => companion.close());

describe('first run', () => {
	test('with no user, every page leads to the one-time owner set-up', async () => {
		for (const path of ['/', '/environments', '/login']) {
			const response = await ui.get(path);
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toBe('/setup');
		}
		const setup = await ui.get('/setup');
		expect(setup.status).toBe(200);
		expect(await setup.text()).toContain('Create the owner account');
	});

	test('a set-up form without the CSRF token is refused', async () => {
		const response = await ui.post('/setup', { ...OWNER, confirm: OWNER.password, _csrf: 'forged' });
		expect(response.status).toBe(403);
		expect(await response.text()).toContain('The form has expired or did not come from this site');
	});

	test('mistakes are shown inline with 422, and the password is not echoed', async () => {
		const response = await ui.post('/setup', { email: 'not-an-email', password: 'short', confirm: 'other' });
		expect(response.status).toBe(422);
		const html = await response.text();
		expect(html).toContain('Email must be an email address');
		expect(html).toContain('Password must be at least 10 characters');
		expect(html).toContain('value="not-an-email"');
		expect(html).not.toContain('value="short"');
	});

	test('set-up creates the owner as admin, signs them in, and cannot run twice', async () => {
		const response = await ui.post('/setup', { ...OWNER, confirm: OWNER.password });
		expect(response.status).toBe(303);
		expect(response.headers.get('location')).toBe('/environments');
		const cookie = response.headers.getSetCookie().find((line) => line.startsWith('wfo_session='));
		expect(cookie).toMatch(/HttpOnly/);
		expect(cookie).toMatch(/SameSite=Lax/);
		expect(cookie).not.toMatch(/Secure/);
		expect((await ui.get('/environments')).status).toBe(200);

		const again = await new UiClient(companion.url).post('/setup', {
			email: 'intruder@example.com',
			password: 'another password',
			confirm: 'another password',
		});
		expect(again.status).toBe(303);
		expect(again.headers.get('location')).toBe('/login');
		expect((await companion.db.selectFrom('users').select('email').execute()).map((u) => u.email)).toEqual([
			OWNER.email,
		]);
	});
});

describe('sign-in', () => {
	test('a wrong password is refused (401) and audited; the right one signs in', async () => {
		const client = new UiClient(companion.url);
		const wrong = await client.post('/login', { email: OWNER.email, password: 'wrong password' });
		expect(wrong.status).toBe(401);
		expect(await wrong.text()).toContain('The email or the password is wrong');
		const right = await client.post('/login', OWNER);
		expect(right.status).toBe(303);
		const failures = await companion.db
			.selectFrom('audit_log')
			.select('metadata')
			.where('action', '=', 'auth.login_failed')
			.execute();
		expect(failures.map((f) => JSON.parse(f.metadata).email)).toContain(OWNER.email);
	});

	test('failed sign-ins are limited per account', async () => {
		const client = new UiClient(companion.url);
		const statuses: number[] = [];
		for (let i = 0; i < 4; i++)
			statuses.push((await client.post('/login', { email: 'victim@example.com', password: `guess ${i}` })).status);
		expect(statuses).toEqual([401, 401, 401, 429]);
		expect(await (await client.post('/login', { email: 'victim@example.com', password: 'x' })).text()).toContain(
			'Too many failed sign-ins',
		);
	});

	test('another replica counts the same failures: the account limited on one is limited on all', async () => {
		const server = createApp(companion.deps).listen(0, '127.0.0.1');
		await new Promise((resolve) => server.once('listening', resolve));
		try {
			const other = new UiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
			// As from another address: only the account's count stands.
			await companion.db.deleteFrom('login_attempts').where('key', 'like', 'ip:%').execute();
			expect((await other.post('/login', { email: 'victim@example.com', password: 'again' })).status).toBe(429);
			expect((await other.post('/login', { email: 'someone@example.com', password: 'guess' })).status).toBe(401);
		} finally {
			server.close();
		}
	});

	test('and per address, whatever the account', async () => {
		const client = new UiClient(companion.url);
		let last = 0;
		for (let i = 0; i < 6 && last !== 429; i++)
			last = (await client.post('/login', { email: `user${i}@example.com`, password: 'guess' })).status;
		expect(last).toBe(429);
	});

	test('sign-out ends the session', async () => {
		const client = await signedIn();
		expect((await client.post('/logout', {})).headers.get('location')).toBe('/login');
		const after = await client.get('/environments');
		expect(after.status).toBe(303);
		expect(after.headers.get('location')).toBe('/login');
	});
});

const signedIn = () => signedInClient(companion, OWNER.email);

describe('pages', () => {
	test('one URL: the full page, or its partial for htmx, with Vary: HX-Request', async () => {
		const client = await signedIn();
		const full = await client.get('/environments');
		expect(full.headers.get('vary')).toContain('HX-Request');
		expect(await full.text()).toMatch(/^<!doctype html>[\s\S]*<div id="environment-list">/);
		const partial = await client.get('/environments', { 'HX-Request': 'true' });
		expect(partial.headers.get('vary')).toContain('HX-Request');
		const html = await partial.text();
		expect(html).not.toContain('<html');
		expect(html.trim()).toMatch(/^<div id="environment-list">/);
	});

	test('a name with markup shows as text everywhere', async () => {
		const client = await signedIn();
		const evil = '<script>alert(1)</script>';
		expect(
			(
				await client.post('/environments', {
					name: evil,
					baseUrl: 'http://127.0.0.1:9',
					class: 'dev',
					apiKey: 'k',
					notes: '<img src=x onerror=alert(2)>',
				})
			).status,
		).toBe(303);
		for (const path of ['/environments', '/audit']) {
			const html = await (await client.get(path)).text();
			expect(html).not.toContain('<script>alert(1)</script>');
			expect(html).not.toContain('<img src=x');
			expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		}
	});

	test('a new environment form starts as dev, never prod', async () => {
		const html = await (await (await signedIn()).get('/environments/new')).text();
		expect(html).toMatch(/<option value="dev" selected>/);
		expect(html).not.toMatch(/<option value="prod" selected>/);
	});

	test('an invalid environment form comes back with its errors inline (422), the key not echoed', async () => {
		const client = await signedIn();
		const response = await client.post('/environments', {
			name: '',
			baseUrl: 'nope',
			class: 'dev',
			apiKey: 'secret-key-typed',
		});
		expect(response.status).toBe(422);
		const html = await response.text();
		expect(html).toContain('Name is required');
		expect(html).toContain('Base URL must be an http:// or https:// URL');
		expect(html).toContain('value="nope"');
		expect(html).not.toContain('secret-key-typed');
	});

	test('a duplicate environment name is shown on the form (409)', async () => {
		const client = await signedIn();
		await client.post('/environments', { name: 'dup', baseUrl: 'http://127.0.0.1:9', class: 'dev', apiKey: 'k' });
		const response = await client.post('/environments', {
			name: 'DUP',
			baseUrl: 'http://127.0.0.1:9',
			class: 'dev',
			apiKey: 'k',
		});
		expect(response.status).toBe(409);
		const html = await response.text();
		expect(html).toContain('An environment named &quot;DUP&quot; already exists');
		expect(html).not.toContain('Name An environment');
	});

	test('the users form shows each error under its own field, a sentence without the label before it', async () => {
		const client = await signedIn();
		const invalid = await client.post('/users', { email: 'nope', role: 'developer', password: 'short' });
		expect(invalid.status).toBe(422);
		const fields = [...(await invalid.text()).matchAll(/<div class="field">([\s\S]*?)<\/div>/g)].map((m) => m[1]);
		expect(fields).toHaveLength(3);
		expect(fields[0]).toMatch(/name="email"[\s\S]*Email must be an email address/);
		expect(fields[1]).not.toContain('field-error');
		expect(fields[2]).toMatch(/name="password"[\s\S]*Password must be at least 10 characters/);
		const taken = await client.post('/users', { email: OWNER.email, role: 'viewer', password: 'long enough pass' });
		expect(taken.status).toBe(409);
		const html = await taken.text();
		expect(html).toMatch(/<p class="field-error" id="email-error">A user with/);
	});

	test('the test-connection button answers with an inline result', async () => {
		const client = await signedIn();
		const { closedPort } = await import('../support/fake-n8n');
		const result = await client.post(
			'/environments/test-connection',
			{ name: 'edge', baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: 'k' },
			{ 'HX-Request': 'true' },
		);
		expect(result.status).toBe(200);
		expect(await result.text()).toMatch(/✗ n8n &quot;edge&quot; refused the connection/);
		const noKey = await client.post(
			'/environments/test-connection',
			{ baseUrl: 'http://127.0.0.1:9' },
			{ 'HX-Request': 'true' },
		);
		expect(await noKey.text()).toContain('Enter the API key to test the connection');
	});

	test('on the edit form, an empty key field tests with the stored key', async () => {
		const { startFakeN8n } = await import('../support/fake-n8n');
		const fake = await startFakeN8n((req, url) =>
			url.pathname.startsWith('/api/v1') && req.headers['x-n8n-api-key'] === 'stored-key'
				? { status: 200, body: { data: [] } }
				: { status: 401, body: {} },
		);
		const client = await signedIn();
		await client.post('/environments', { name: 'edit-me', baseUrl: fake.url, class: 'staging', apiKey: 'stored-key' });
		const row = await companion.db
			.selectFrom('environments')
			.select('id')
			.where('name', '=', 'edit-me')
			.executeTakeFirstOrThrow();
		const form = await (await client.get(`/environments/${row.id}/edit`)).text();
		expect(form).toContain('leave empty to keep the stored key');
		expect(form).not.toContain('stored-key');
		const result = await client.post(
			'/environments/test-connection',
			{ id: row.id, name: 'edit-me', baseUrl: fake.url, apiKey: '' },
			{ 'HX-Request': 'true' },
		);
		expect(await result.text()).toContain('✓ Connected to n8n');
		const saved = await client.post(`/environments/${row.id}`, {
			id: row.id,
			name: 'edit-me',
			baseUrl: fake.url,
			class: 'prod',
			apiKey: '',
			notes: 'moved',
		});
		expect(saved.status).toBe(303);
		const after = await client.post(
			'/environments/test-connection',
			{ id: row.id, name: 'edit-me', baseUrl: fake.url, apiKey: '' },
			{ 'HX-Request': 'true' },
		);
		expect(await after.text()).toContain('✓ Connected to n8n');
		await fake.close();
	});

	test('deleting through htmx removes the row and answers an empty fragment', async () => {
		const client = await signedIn();
		await client.post('/environments', { name: 'to-delete', baseUrl: 'http://127.0.0.1:9', class: 'dev', apiKey: 'k' });
		const row = await companion.db
			.selectFrom('environments')
			.select('id')
			.where('name', '=', 'to-delete')
			.executeTakeFirstOrThrow();
		const response = await client.post(`/environments/${row.id}/delete`, {}, { 'HX-Request': 'true' });
		expect(response.status).toBe(200);
		expect(await response.text()).toBe('');
		expect(
			await companion.db.selectFrom('environments').select('id').where('id', '=', row.id).executeTakeFirst(),
		).toBeUndefined();
	});

	test('a new token is shown once, never cached, and not on the next visit', async () => {
		const client = await signedIn();
		const created = await client.post('/tokens', { name: 'n8n', role: 'developer' });
		expect(created.status).toBe(201);
		expect(created.headers.get('cache-control')).toBe('no-store');
		const token = (await created.text()).match(/value="(wfo_[\w-]+)"/)?.[1];
		expect(token).toMatch(/^wfo_[\w-]{20,}$/);
		expect(await (await client.get('/tokens')).text()).not.toContain(token);
		expect((await companion.api(token!, 'GET', '/api/v1/me')).body.role).toBe('developer');
	});

	test('the audit page filters and pages through htmx partials; export downloads CSV', async () => {
		const client = await signedIn();
		const partial = await client.get('/audit?action=environment.*', { 'HX-Request': 'true' });
		const html = await partial.text();
		expect(html.trim()).toMatch(/^<div id="audit-table">/);
		expect(html).toContain('environment.create');
		expect(html).not.toContain('auth.login');
		const bad = await client.get('/audit?from=yesterday', { 'HX-Request': 'true' });
		expect(bad.status).toBe(422);
		const csv = await client.get('/audit/export?format=csv&action=environment.*');
		expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect((await csv.text()).split('\r\n')[0]).toMatch(/^id,at,actor_type/);
		const verify = await client.get('/audit/verify', { 'HX-Request': 'true' });
		expect(await verify.text()).toMatch(/✓ Chain intact: \d+ entries checked/);
	});

	test('the audit page names environments and resources, reads details as key: value, and picks environments by name', async () => {
		const client = await signedIn();
		await client.post('/environments', {
			name: 'audit-kept',
			baseUrl: 'http://127.0.0.1:9',
			class: 'dev',
			apiKey: 'k',
		});
		await client.post('/environments', {
			name: 'audit-gone',
			baseUrl: 'http://127.0.0.1:9',
			class: 'dev',
			apiKey: 'k',
		});
		const ids = Object.fromEntries(
			(await companion.db.selectFrom('environments').select(['id', 'name']).execute()).map((row) => [row.name, row.id]),
		);
		await client.post(`/environments/${ids['audit-gone']}/delete`, {});

		const html = await (await client.get('/audit?action=environment.*')).text();
		expect(html).toContain(`<a href="/environments/${ids['audit-kept']}" >audit-kept</a>`);
		expect(html).toMatch(/audit-gone<\/span> <span class="muted">\(deleted\)/);
		expect(html).toContain('<span class="muted">class:</span> dev');
		expect(html).not.toContain('{&quot;name&quot;');
		expect(html).toContain(`<option value="${ids['audit-kept']}" >audit-kept</option>`);

		const filtered = await (await client.get(`/audit?environmentId=${ids['audit-gone']}`)).text();
		expect(filtered).toContain(`<option value="${ids['audit-gone']}" selected>deleted environment</option>`);
		expect(filtered).toContain('environment.delete');
		expect(filtered).not.toContain('environment.create</td>\n        <td class="small">environment <a');
	});

	test('a viewer sees no admin navigation nor manage buttons, and admin pages say 403', async () => {
		const { sessionHeaders } = await import('../support/sessions');
		const headers = await sessionHeaders(companion, 'viewer');
		const html = await (await fetch(`${companion.url}/environments`, { headers })).text();
		expect(html).not.toContain('Add environment');
		expect(html).not.toContain('href="/audit"');
		const audit = await fetch(`${companion.url}/audit`, { headers });
		expect(audit.status).toBe(403);
		expect(await audit.text()).toContain('Your role (viewer) cannot open this page.');
	});

	test('an expired session on an htmx request redirects through HX-Redirect', async () => {
		const response = await fetch(`${companion.url}/environments`, { headers: { 'HX-Request': 'true' } });
		expect(response.status).toBe(401);
		expect(response.headers.get('hx-redirect')).toBe('/login');
	});

	test('unknown pages are a 404 page', async () => {
		const response = await (await signedIn()).get('/nowhere');
		expect(response.status).toBe(404);
		expect(await response.text()).toContain('There is no page here.');
	});
});

test('with an https public URL the cookies are Secure and HSTS is sent', async () => {
	const secure = await startCompanion({ publicUrl: 'https://ops.example.com' });
	const response = await fetch(`${secure.url}/setup`, { redirect: 'manual' });
	expect(response.headers.getSetCookie().find((line) => line.startsWith('wfo_csrf='))).toMatch(/Secure/);
	expect(response.headers.get('strict-transport-security')).toMatch(/max-age/);
	await secure.close();
});
