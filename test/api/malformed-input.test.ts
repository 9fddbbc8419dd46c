import { gzipSync } from 'node:zlib';
import type { AppDeps } from '../../service/http/deps';
import { API_PREFIX } from '../../service/http/api/router';
import { apiRoutes } from '../../service/http/api/routes';
import { uiRoutes } from '../../service/http/ui/router';
import { type Companion, startCompanion } from '../support/companion';
import { sessionHeaders } from '../support/sessions';

/**
 * Every route of the API and the UI, fed what a careless or hostile client sends: a badly encoded
 * id, a body that is not what it claims, JSON nested absurdly deep, a garbage cursor, a broken
 * Authorization header. None may answer 5xx or show a stack trace; a route added later is swept too.
 */
const deps = { publicUrl: 'http://x', loginLimits: { windowMs: 1, perIp: 1, perAccount: 1 } } as AppDeps;
const routes = [
	...apiRoutes(deps).map((route) => ({ method: route.method.toUpperCase(), path: API_PREFIX + route.path, api: true })),
	...uiRoutes(deps).map((route) => ({ method: route.method.toUpperCase(), path: route.path, api: false })),
];

let companion: Companion;
let asAdmin: Record<string, string>;
let session: Record<string, string>;

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
	asAdmin = { authorization: `Bearer ${await companion.token('admin')}` };
	session = await sessionHeaders(companion, 'admin');
});
afterAll(() => companion.close());

const withParams = (path: string, value: string) => path.replace(/:\w+/g, value);
const deepJson = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

interface Probe {
	name: string;
	path: (route: (typeof routes)[number]) => string;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** Only for routes that take a body. */
	withBody?: boolean;
}

const PROBES: Probe[] = [
	{ name: 'a badly encoded id', path: (route) => withParams(route.path, '%ZZ') },
	{ name: 'an id of control characters', path: (route) => withParams(route.path, '%00%0A%0D') },
	{
		name: 'a garbage cursor and limit',
		path: (route) => `${withParams(route.path, 'x')}?cursor=%%garbage&limit=lots&environmentId=%ZZ`,
	},
	{
		name: 'a body declared gzip that is not',
		path: (route) => withParams(route.path, 'x'),
		headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
		body: '{"name":"x"}',
		withBody: true,
	},
	{
		name: 'a gzip bomb of nesting',
		path: (route) => withParams(route.path, 'x'),
		headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
		body: gzipSync(deepJson(5000)),
		withBody: true,
	},
	{
		name: 'JSON nested 5,000 deep',
		path: (route) => withParams(route.path, 'x'),
		headers: { 'content-type': 'application/json' },
		body: deepJson(5000),
		withBody: true,
	},
	{
		name: 'a JSON array, a string and null for a body',
		path: (route) => withParams(route.path, 'x'),
		headers: { 'content-type': 'application/json' },
		body: '[1,"two",null]',
		withBody: true,
	},
	{
		name: 'plain text where a form or JSON is expected',
		path: (route) => withParams(route.path, 'x'),
		headers: { 'content-type': 'text/plain' },
		body: 'hello=world&&&',
		withBody: true,
	},
	{
		name: 'a form with a field sent many times and odd encodings',
		path: (route) => withParams(route.path, 'x'),
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: 'name=%ZZ&name=a&role[]=x&email=%00&cron=%E0%A4%A&_csrf=test-csrf-token-value',
		withBody: true,
	},
];

const MALFORMED_AUTH = ['Bearer', 'Bearer ', 'Basic %%%', 'Bearer wfo_\u00e4\u00ff', 'Bearer ' + 'x'.repeat(10_000)];

function expectNoServerError(status: number, text: string, what: string): void {
	expect({ what, status: status >= 500 ? status : 'under 500' }).toEqual({ what, status: 'under 500' });
	expect({ what, stack: /\n\s+at |\/work\/|node_modules|\.ts:\d+/.test(text) }).toEqual({ what, stack: false });
}

describe.each(routes)('$method $path', (route) => {
	const hasBody = route.method !== 'GET';
	test.each(PROBES.filter((probe) => !probe.withBody || hasBody).map((probe) => [probe.name, probe]))(
		'%s → 4xx or success, never 5xx or a stack trace',
		async (_name, probe) => {
			const response = await fetch(companion.url + probe.path(route), {
				method: route.method,
				redirect: 'manual',
				headers: { ...(route.api ? asAdmin : session), ...probe.headers },
				body: hasBody ? (probe.body ?? (route.api ? '{}' : '_csrf=test-csrf-token-value')) : undefined,
			});
			expectNoServerError(response.status, await response.text(), `${route.method} ${route.path}: ${probe.name}`);
		},
	);

	test('a malformed Authorization header → 401, no stack trace', async () => {
		for (const authorization of MALFORMED_AUTH) {
			const response = await fetch(companion.url + withParams(route.path, 'x'), {
				method: route.method,
				redirect: 'manual',
				headers: { authorization },
			});
			expectNoServerError(
				response.status,
				await response.text(),
				`${route.method} ${route.path}: "${authorization.slice(0, 12)}"`,
			);
			expect([401, 303]).toContain(response.status);
		}
	});
});
