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
	'GET /static/chart.umd.min.js',
];
/** Authorised by a signature over the body, not by a caller: tested with the failure reporting. */
const SIGNED_ROUTES = ['POST /hooks/n8n/:environmentId'];
const ROLES: Role[] = ['viewer', 'developer', 'admin'];

/**
 * What an allowed call answers to this test's input (ids that do not exist, an empty body): the
 * route's success status, or the 4xx that input deserves. Each must be documented in the OpenAPI.
 */
const API_STATUS: Record<string, number> = {
	[`GET ${API_PREFIX}/me`]: 200,
	[`GET ${API_PREFIX}/users`]: 200,
	[`POST ${API_PREFIX}/users`]: 400,
	[`DELETE ${API_PREFIX}/users/:id`]: 404,
	[`PATCH ${API_PREFIX}/users/:id`]: 400,
	[`PUT ${API_PREFIX}/users/:id/password`]: 400,
	[`GET ${API_PREFIX}/users/:id/sessions`]: 404,
	[`DELETE ${API_PREFIX}/users/:id/sessions/:sessionId`]: 404,
	[`PUT ${API_PREFIX}/me/password`]: 400,
	[`GET ${API_PREFIX}/me/sessions`]: 200,
	[`DELETE ${API_PREFIX}/me/sessions/:sessionId`]: 404,
	[`GET ${API_PREFIX}/tokens`]: 200,
	[`POST ${API_PREFIX}/tokens`]: 400,
	[`DELETE ${API_PREFIX}/tokens/:id`]: 404,
	[`GET ${API_PREFIX}/environments`]: 200,
	[`GET ${API_PREFIX}/workflows`]: 200,
	[`POST ${API_PREFIX}/environments/:id/activation`]: 400,
	[`GET ${API_PREFIX}/environments/:id/export`]: 404,
	[`POST ${API_PREFIX}/environments/:id/tagging`]: 400,
	[`GET ${API_PREFIX}/environments/:id/tags`]: 404,
	[`POST ${API_PREFIX}/environments/:id/tags`]: 400,
	[`PATCH ${API_PREFIX}/environments/:id/tags/:tagId`]: 400,
	[`POST ${API_PREFIX}/environments/:id/workflows/:workflowId/archive`]: 404,
	[`POST ${API_PREFIX}/environments/:id/workflows/:workflowId/unarchive`]: 404,
	[`DELETE ${API_PREFIX}/environments/:id/workflows/:workflowId`]: 400,
	[`POST ${API_PREFIX}/environments/:id/import`]: 404,
	[`POST ${API_PREFIX}/environments/:id/credentials/test`]: 404,
	[`POST ${API_PREFIX}/environments/:id/security-audit`]: 404,
	[`GET ${API_PREFIX}/environments/:id/security-audit`]: 404,
	[`GET ${API_PREFIX}/operation-requests`]: 200,
	[`GET ${API_PREFIX}/operation-requests/:id`]: 404,
	[`POST ${API_PREFIX}/operation-requests/:id/approve`]: 404,
	[`POST ${API_PREFIX}/operation-requests/:id/reject`]: 400,
	[`POST ${API_PREFIX}/operation-requests/:id/cancel`]: 404,
	[`GET ${API_PREFIX}/policies/classes`]: 200,
	[`GET ${API_PREFIX}/policies/content-rules`]: 200,
	[`PATCH ${API_PREFIX}/policies/content-rules`]: 200,
	[`PATCH ${API_PREFIX}/policies/classes/:class`]: 400,
	[`GET ${API_PREFIX}/search`]: 400,
	[`PATCH ${API_PREFIX}/workflows/:id`]: 400,
	[`GET ${API_PREFIX}/workflows/:id`]: 404,
	[`GET ${API_PREFIX}/workflows/:id/diff`]: 400,
	[`DELETE ${API_PREFIX}/workflows/:id/environments/:environmentId`]: 404,
	[`GET ${API_PREFIX}/workflow-links/proposals`]: 200,
	[`POST ${API_PREFIX}/workflow-links`]: 400,
	[`POST ${API_PREFIX}/workflow-links/proposals/confirm`]: 200,
	[`POST ${API_PREFIX}/workflow-links/proposals/:id/confirm`]: 404,
	[`POST ${API_PREFIX}/workflow-links/proposals/:id/reject`]: 404,
	[`POST ${API_PREFIX}/environments`]: 400,
	[`GET ${API_PREFIX}/environments/:id`]: 404,
	[`PATCH ${API_PREFIX}/environments/:id`]: 404,
	[`DELETE ${API_PREFIX}/environments/:id`]: 404,
	[`POST ${API_PREFIX}/environments/:id/test`]: 404,
	[`POST ${API_PREFIX}/environments/:id/sync`]: 404,
	[`GET ${API_PREFIX}/environments/:id/workflows`]: 404,
	[`GET ${API_PREFIX}/environments/:id/credentials`]: 404,
	[`GET ${API_PREFIX}/environments/:id/findings`]: 404,
	[`GET ${API_PREFIX}/credentials`]: 200,
	[`GET ${API_PREFIX}/environments/:id/workflows/:workflowId`]: 404,
	[`GET ${API_PREFIX}/jobs/:id`]: 404,
	[`GET ${API_PREFIX}/jobs/:id/events`]: 404,
	[`GET ${API_PREFIX}/snapshots`]: 200,
	[`POST ${API_PREFIX}/snapshots`]: 400,
	[`GET ${API_PREFIX}/snapshots/:id`]: 404,
	[`DELETE ${API_PREFIX}/snapshots/:id`]: 404,
	[`GET ${API_PREFIX}/snapshots/:id/compare`]: 404,
	[`POST ${API_PREFIX}/snapshots/:id/restore`]: 400,
	[`GET ${API_PREFIX}/environments/:id/git`]: 404,
	[`PUT ${API_PREFIX}/environments/:id/git`]: 400,
	[`DELETE ${API_PREFIX}/environments/:id/git`]: 404,
	[`POST ${API_PREFIX}/environments/:id/git/test`]: 404,
	[`POST ${API_PREFIX}/snapshots/:id/push`]: 404,
	[`POST ${API_PREFIX}/environments/:id/git/restore`]: 400,
	[`GET ${API_PREFIX}/environments/:id/baseline`]: 404,
	[`POST ${API_PREFIX}/environments/:id/baseline`]: 404,
	[`GET ${API_PREFIX}/environments/:id/drift`]: 404,
	[`GET ${API_PREFIX}/environments/:id/drift-checks`]: 404,
	[`POST ${API_PREFIX}/environments/:id/drift-checks`]: 404,
	[`GET ${API_PREFIX}/environments/:id/drift-checks/:checkId`]: 404,
	[`GET ${API_PREFIX}/environments/:id/schedule`]: 404,
	[`PUT ${API_PREFIX}/environments/:id/schedule`]: 400,
	[`GET ${API_PREFIX}/incidents`]: 200,
	[`GET ${API_PREFIX}/incidents/:id`]: 404,
	[`POST ${API_PREFIX}/incidents/:id/acknowledge`]: 404,
	[`POST ${API_PREFIX}/incidents/:id/resolve`]: 400,
	[`GET ${API_PREFIX}/webhooks`]: 200,
	[`POST ${API_PREFIX}/webhooks`]: 400,
	[`GET ${API_PREFIX}/webhooks/:id`]: 404,
	[`DELETE ${API_PREFIX}/webhooks/:id`]: 404,
	[`GET ${API_PREFIX}/webhooks/:id/deliveries`]: 404,
	[`GET ${API_PREFIX}/pipelines`]: 200,
	[`POST ${API_PREFIX}/pipelines`]: 400,
	[`GET ${API_PREFIX}/pipelines/:id`]: 404,
	[`PATCH ${API_PREFIX}/pipelines/:id`]: 400,
	[`DELETE ${API_PREFIX}/pipelines/:id`]: 404,
	[`GET ${API_PREFIX}/credential-bindings`]: 200,
	[`PUT ${API_PREFIX}/credential-bindings`]: 400,
	[`DELETE ${API_PREFIX}/credential-bindings`]: 400,
	[`POST ${API_PREFIX}/promotions/plan`]: 400,
	[`GET ${API_PREFIX}/promotions`]: 200,
	[`POST ${API_PREFIX}/promotions`]: 400,
	[`GET ${API_PREFIX}/promotions/:id`]: 404,
	[`POST ${API_PREFIX}/promotions/:id/approve`]: 404,
	[`POST ${API_PREFIX}/promotions/:id/reject`]: 400,
	[`POST ${API_PREFIX}/promotions/:id/cancel`]: 404,
	[`POST ${API_PREFIX}/promotions/:id/execute`]: 404,
	[`POST ${API_PREFIX}/promotions/:id/rollback`]: 404,
	[`GET ${API_PREFIX}/audit`]: 200,
	[`POST ${API_PREFIX}/audit`]: 400,
	[`GET ${API_PREFIX}/audit/verify`]: 200,
	[`GET ${API_PREFIX}/audit/export`]: 200,
	[`GET ${API_PREFIX}/audit/signing-key`]: 200,
	[`GET ${API_PREFIX}/settings/retention`]: 200,
	[`PUT ${API_PREFIX}/settings/retention`]: 400,
	[`POST ${API_PREFIX}/retention/run`]: 202,
	[`GET ${API_PREFIX}/executions`]: 200,
	[`POST ${API_PREFIX}/executions/retry`]: 400,
	[`GET ${API_PREFIX}/executions/:environmentId/:id`]: 404,
	[`POST ${API_PREFIX}/executions/:environmentId/:id/retry`]: 404,
	[`POST ${API_PREFIX}/executions/:environmentId/:id/stop`]: 404,
	[`POST ${API_PREFIX}/environments/:id/executions/index`]: 404,
	[`GET ${API_PREFIX}/environments/:id/failure-reporting`]: 404,
	[`POST ${API_PREFIX}/environments/:id/failure-reporting`]: 404,
	[`GET ${API_PREFIX}/settings/redaction`]: 200,
	[`GET ${API_PREFIX}/environments/:id/health`]: 404,
	[`GET ${API_PREFIX}/analytics`]: 200,
	[`GET ${API_PREFIX}/analytics/csv`]: 200,
	[`GET ${API_PREFIX}/environments/:id/cost-model`]: 404,
	[`PUT ${API_PREFIX}/environments/:id/cost-model`]: 404,
	[`PUT ${API_PREFIX}/settings/redaction`]: 400,
	[`POST ${API_PREFIX}/settings/redaction/preview`]: 400,
};

/** The pages open to anyone, signed out, once the owner exists: status and where it redirects. */
const UI_STATUS_SIGNED_OUT: Record<string, [number, string | null]> = {
	'GET /setup': [303, '/login'],
	'POST /setup': [303, '/login'],
	'GET /login': [200, null],
	'POST /login': [422, null],
	'POST /logout': [303, '/login'],
};

/** The same for the UI: a page, a redirect, a form's 422 or a 404 for the unknown id. */
const UI_STATUS: Record<string, number> = {
	'GET /setup': 303,
	'POST /setup': 303,
	'GET /login': 303,
	'POST /login': 422,
	'POST /logout': 303,
	'GET /': 303,
	'GET /environments': 200,
	'GET /environments/new': 200,
	'POST /environments': 422,
	'POST /environments/test-connection': 200,
	'GET /environments/:id/edit': 404,
	'POST /environments/:id': 404,
	'POST /environments/:id/delete': 404,
	'POST /environments/:id/test': 404,
	'GET /environments/:id/git': 404,
	'POST /environments/:id/git': 404,
	'POST /environments/:id/git/test': 404,
	'POST /environments/:id/git/delete': 404,
	'GET /environments/:id': 404,
	'POST /environments/:id/sync': 404,
	'GET /jobs/:id/stream': 404,
	'GET /environments/:id/workflows/:workflowId': 404,
	'GET /environments/:id/snapshots': 404,
	'POST /environments/:id/snapshots': 404,
	'GET /snapshots/:id': 404,
	'GET /snapshots/:id/compare': 404,
	'GET /snapshots/:id/restore': 404,
	'POST /snapshots/:id/restore': 422,
	'POST /snapshots/:id/push': 404,
	'POST /snapshots/:id/delete': 404,
	'GET /dashboard': 200,
	'POST /environments/:id/check-drift': 404,
	'GET /environments/:id/drift': 404,
	'GET /environments/:id/drift-checks/:checkId': 404,
	'POST /environments/:id/baseline': 404,
	'POST /environments/:id/schedule': 404,
	'POST /policies/redaction': 303,
	'POST /policies/retention': 422,
	'POST /policies/retention/run': 303,
	'GET /analytics': 200,
	'POST /environments/:id/cost-model': 404,
	'GET /executions': 200,
	'GET /executions/:environmentId/:id': 404,
	'POST /executions/:environmentId/:id/retry': 404,
	'POST /executions/:environmentId/:id/stop': 404,
	'POST /environments/:id/executions/index': 404,
	'POST /environments/:id/failure-reporting': 404,
	'GET /incidents': 200,
	'GET /incidents/:id': 404,
	'POST /incidents/:id/acknowledge': 404,
	'POST /incidents/:id/resolve': 404,
	'GET /promotions': 200,
	'GET /promotions/new': 200,
	'POST /promotions/new/plan': 422,
	'POST /promotions/new/bind': 422,
	'POST /promotions/new': 422,
	'GET /promotions/:id': 404,
	'POST /promotions/:id/approve': 404,
	'POST /promotions/:id/reject': 404,
	'POST /promotions/:id/cancel': 404,
	'POST /promotions/:id/execute': 404,
	'POST /promotions/:id/rollback': 404,
	'GET /pipelines': 200,
	'GET /pipelines/new': 200,
	'POST /pipelines': 422,
	'GET /pipelines/:id/edit': 404,
	'POST /pipelines/:id': 404,
	'POST /pipelines/:id/delete': 404,
	'GET /webhooks': 200,
	'POST /webhooks': 422,
	'GET /webhooks/:id': 404,
	'POST /webhooks/:id/delete': 404,
	'GET /users': 200,
	'POST /users': 422,
	'POST /users/:id/delete': 404,
	'POST /users/:id/role': 422,
	'POST /users/:id/disable': 404,
	'POST /users/:id/enable': 404,
	'POST /users/:id/password': 422,
	'GET /account': 200,
	'GET /credentials': 200,
	'GET /workflows': 200,
	'POST /environments/:id/activation': 422,
	'POST /environments/:id/import': 404,
	'POST /environments/:id/tagging': 422,
	'POST /environments/:id/workflows/:workflowId/archive': 404,
	'POST /environments/:id/workflows/:workflowId/delete': 404,
	'POST /environments/:id/credentials/test': 404,
	'POST /environments/:id/security-audit': 404,
	'GET /approvals': 200,
	'GET /approvals/:id': 404,
	'POST /approvals/:id/approve': 404,
	'POST /approvals/:id/reject': 404,
	'POST /approvals/:id/cancel': 404,
	'GET /policies': 200,
	'POST /policies': 303,
	'POST /policies/content-rules': 422,
	'GET /workflows/links': 200,
	'GET /workflows/:id': 404,
	'POST /workflows/links': 400,
	'POST /workflows/links/confirm': 303,
	'POST /workflows/links/:id/confirm': 404,
	'POST /workflows/links/:id/reject': 404,
	'POST /workflows/:id/ignore': 404,
	'POST /workflows/:id/environments/:environmentId/unlink': 404,
	'GET /environments/:id/credentials': 404,
	'GET /environments/:id/findings': 404,
	'POST /account/password': 422,
	'POST /account/sessions/:id/end': 404,
	'GET /tokens': 200,
	'POST /tokens': 422,
	'POST /tokens/:id/revoke': 404,
	'GET /audit': 200,
	'GET /audit/export': 200,
	'GET /audit/verify': 200,
};

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

let openApi: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
	openApi = (await (await fetch(`${companion.url}${API_PREFIX}/openapi.json`)).json()) as typeof openApi;
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

test('every declared route has its expected status named here', () => {
	expect(declaredApi.map((r) => r.key).filter((key) => !(key in API_STATUS))).toEqual([]);
	expect(declaredUi.map((r) => r.key).filter((key) => !(key in UI_STATUS))).toEqual([]);
});

test('every route the app serves is in the declared tables (API, UI or the public list)', () => {
	const app = createApp(deps);
	const declared = new Set([
		...declaredApi.map((r) => r.key.replace(API_PREFIX, '')),
		...declaredUi.map((r) => r.key),
		...PUBLIC_ROUTES,
		...SIGNED_ROUTES,
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
			expect(status).toBe(expectAllowed ? API_STATUS[key] : 403);
		}
	});

	test('the status it answers is documented in the OpenAPI', () => {
		const [verb, path] = key.split(' ');
		const operation = openApi.paths[path.replace(/:(\w+)/g, '{$1}')]?.[verb.toLowerCase()];
		expect(Object.keys(operation?.responses ?? {})).toContain(String(API_STATUS[key]));
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
		const [status, location] = permission === null ? UI_STATUS_SIGNED_OUT[key] : [303, '/login'];
		expect([response.status, response.headers.get('location')]).toEqual([status, location]);
	});

	test.each(ROLES)('%s session → allowed exactly when the role has the permission', async (role) => {
		const { status } = await send(await sessionHeaders(companion, role));
		expect(status).toBe(permission === null || can(role, permission) ? UI_STATUS[key] : 403);
	});
});

test.each(PUBLIC_ROUTES)('%s needs no credentials', async (key) => {
	expect((await fetch(companion.url + realPath(key))).status).toBe(200);
});
