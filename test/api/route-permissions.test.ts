import type { Express } from 'express';
import { createApp } from '../../service/app';
import { can, type Permission } from '../../service/domain/auth/permissions';
import type { Role } from '../../service/db/schema';
import { API_PREFIX } from '../../service/http/api/router';
import { apiRoutes } from '../../service/http/api/routes';
import type { AppDeps } from '../../service/http/deps';
import { uiRoutes } from '../../service/http/ui/router';
import { type Companion, startCompanion } from '../support/companion';
import { sessionHeaders } from '../support/sessions';

const PUBLIC_ROUTES = [
	'GET /healthz',
	'GET /healthz/readiness',
	`GET ${API_PREFIX}/openapi.json`,
	'GET /static/htmx.min.js',
	'GET /static/htmx-sse.min.js',
];
const ROLES: Role[] = ['viewer', 'developer', 'admin'];

let companion: Companion;
/** Enough to build the route tables and the app; no request is served from this one. */
const deps = { publicUrl: 'http://x', loginLimits: { windowMs: 1, perIp: 1, perAccount: 1 } } as AppDeps;
const declaredApi = apiRoutes(deps).map((route) => ({
	key: `${route.method.toUpperCase()} ${API_PREFIX}${route.path}`,
	permission: route.permission as Permission | null,
}));
const declaredUi = uiRoutes(deps).map((route) => ({
	key: `${route.method.toUpperCase()} ${route.path}`,
	permission: route.permission,
}));

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
});
afterAll(() => companion.close());

/** Every (method, path) the express app really answers, read from its router stacks. */
function registeredRoutes(app: Express): string[] {
	const found: string[] = [];
	const walk = (stack: any[]) => {
		for (const layer of stack) {
			if (layer.route) {
				for (const method of Object.keys(layer.route.methods))
					found.push(`${method.toUpperCase()} ${layer.route.path}`);
			} else if (layer.handle?.stack) {
				walk(layer.handle.stack);
			}
		}
	};
	walk((app as any).router.stack);
	return found;
}

test('every route the app serves is in the declared tables (API, UI or the public list)', () => {
	const app = createApp(deps);
	const declared = new Set([
		...declaredApi.map((r) => r.key.replace(API_PREFIX, '')),
		...declaredUi.map((r) => r.key),
		...PUBLIC_ROUTES,
	]);
	const registered = registeredRoutes(app);
	expect(registered.length).toBeGreaterThan(30);
	expect(registered.filter((route) => !declared.has(route))).toEqual([]);
});

const realPath = (key: string) => key.split(' ')[1].replace(/:id/g, 'does-not-exist');

describe.each(declaredApi)('$key', ({ key, permission }) => {
	const method = key.split(' ')[0];
	const send = (headers: Record<string, string>) =>
		fetch(companion.url + realPath(key), {
			method,
			headers: { ...headers, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
			body: method === 'GET' ? undefined : '{}',
		});

	test('no credentials → 401', async () => {
		expect((await send({})).status).toBe(401);
	});

	test.each(ROLES)('%s token and session → allowed exactly when the role has the permission', async (role) => {
		const expectAllowed = can(role, permission!);
		for (const headers of [
			{ authorization: `Bearer ${await companion.token(role)}` },
			await sessionHeaders(companion, role),
		]) {
			const { status } = await send(headers);
			if (expectAllowed)
				expect({ status, allowed: ![401, 403].includes(status) && status < 500 }).toEqual({ status, allowed: true });
			else expect(status).toBe(403);
		}
	});
});

describe.each(declaredUi)('UI $key', ({ key, permission }) => {
	const method = key.split(' ')[0];
	const send = (headers: Record<string, string>) =>
		fetch(companion.url + realPath(key), {
			method,
			redirect: 'manual',
			headers: { ...headers, ...(method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
			body: method === 'GET' ? undefined : '_csrf=test-csrf-token-value',
		});

	test('without a session', async () => {
		const response = await send({ cookie: 'wfo_csrf=test-csrf-token-value' });
		if (permission === null) expect([401, 403]).not.toContain(response.status);
		else {
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toBe('/login');
		}
	});

	test.each(ROLES)('%s session → allowed exactly when the role has the permission', async (role) => {
		const { status } = await send(await sessionHeaders(companion, role));
		if (permission === null || can(role, permission))
			expect({ status, allowed: ![401, 403].includes(status) && status < 500 }).toEqual({ status, allowed: true });
		else expect(status).toBe(403);
	});
});

test.each(PUBLIC_ROUTES)('%s needs no credentials', async (key) => {
	expect((await fetch(companion.url + realPath(key))).status).toBe(200);
});
