import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import type { Companion } from '../support/companion';
import { startCompanion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';
import { signedInClient } from '../support/ui-client';
import { recordedEvents } from '../support/events';

let companion: Companion;
let n8n: Awaited<ReturnType<typeof startFakeN8n>>;
let admin: string;
let environmentId: string;
let down = false;
let version = '2.40.7';

beforeAll(async () => {
	n8n = await startFakeN8n((_req, url) => {
		if (url.pathname === '/rest/settings') return { status: 200, body: { data: { versionCli: version } } };
		if (down) return { status: 503, body: { message: 'Service Unavailable' } };
		return { status: 200, body: { data: [], nextCursor: null } };
	});
	companion = await startCompanion();
	admin = await companion.token('admin');
	environmentId = (await companion.environment(admin, { name: 'prod', baseUrl: n8n.url, apiKey: 'k', class: 'prod' }))
		.id;
	await companion.api(admin, 'POST', '/api/v1/webhooks', {
		url: 'http://127.0.0.1:9/hook',
		events: ['environment.down', 'environment.up'],
	});
});
afterAll(async () => {
	await companion.close();
	await n8n.close();
});

const check = () => companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/test`);
const health = async () => (await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/health`)).body;
const sent = async () => (await recordedEvents(companion.db, 'environment.')).map((event) => [event.type, event.data]);

test('every check is kept; down after two failed checks in a row, not one; up again at the next good one; each move sent once', async () => {
	await check();
	expect((await health()).state).toBe('up');
	down = true;
	await check();
	expect((await health()).state).toBe('up');
	expect(await sent()).toEqual([]);
	await check();
	await check();
	const whileDown = await health();
	expect(whileDown).toMatchObject({ state: 'down', lastError: { error: expect.stringMatching(/503|unavailable/i) } });
	down = false;
	version = '2.41.0';
	await check();
	const events = await sent();
	expect(events.map(([type]) => type)).toEqual(['environment.down', 'environment.up']);
	expect(events[0][1]).toMatchObject({ environment: { id: environmentId, name: 'prod' }, failures: 2 });
	expect(events[1][1]).toMatchObject({ downSince: whileDown.since });

	const after = await health();
	expect(after.state).toBe('up');
	expect(after.uptime).toEqual({ '24h': 0.4, '7d': 0.4, '30d': 0.4 });
	expect(after.latency.p50Ms).toEqual(expect.any(Number));
	expect(after.versionChanges).toEqual([{ at: expect.any(String), from: '2.40.7', to: '2.41.0' }]);
	expect((await companion.db.selectFrom('health_samples').selectAll().execute()).length).toBe(5);
	expect((await companion.api(admin, 'GET', '/api/v1/environments/nope/health')).status).toBe(404);
});

test('the environment’s page shows its uptime, latency, last error and version changes', async () => {
	await createUser(companion.db, CLI_CONTEXT, {
		email: 'look@example.com',
		password: 'correct horse battery',
		role: 'viewer',
	});
	const viewer = await signedInClient(companion, 'look@example.com');
	const page = await (await viewer.get(`/environments/${environmentId}`)).text();
	expect(page).toContain('uptime 40.0 % (24 h)');
	expect(page).toContain('n8n 2.40.7 → 2.41.0');
	expect(page).toMatch(/last error \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
});
