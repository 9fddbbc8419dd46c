import { startCompanion, type Companion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';
import { signedInClient } from '../support/ui-client';

/** What n8n's POST /api/v1/audit answers, as its documentation shows it. */
const REPORT = {
	'Credentials Risk Report': {
		risk: 'credentials',
		sections: [
			{
				title: 'Credentials not used in any workflow',
				description: 'These credentials are not used in any workflow.',
				recommendation: 'Consider deleting these credentials if you no longer need them.',
				location: [{ kind: 'credential', id: '1', name: 'My Test Account' }],
			},
		],
	},
	'Nodes Risk Report': {
		risk: 'nodes',
		sections: [
			{
				title: 'Official risky nodes',
				description:
					'These nodes are part of n8n’s official nodes and may be used to fetch and run any arbitrary code.',
				recommendation: 'Consider reviewing the parameters in these nodes.',
				location: [
					{
						kind: 'node',
						workflowId: 'wf-7',
						workflowName: 'Shell runner',
						nodeId: 'n1',
						nodeName: 'Run it',
						nodeType: 'n8n-nodes-base.executeCommand',
					},
				],
			},
		],
	},
};
let answer: { status: number; body: unknown } = { status: 200, body: REPORT };
let companion: Companion;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
	admin = await companion.token('admin');
	const n8n = await startFakeN8n((req, url) =>
		req.method === 'POST' && url.pathname === '/api/v1/audit' ? answer : { status: 200, body: { data: [] } },
	);
	close = n8n.close;
	environmentId = (await companion.environment(admin, { name: 'prod', baseUrl: n8n.url, apiKey: 'k' })).id;
});
afterAll(async () => {
	await close();
	await companion.close();
});

const path = () => `/api/v1/environments/${environmentId}/security-audit`;

test('n8n’s own security audit is run on demand, kept as the latest, audited, and shown beside the findings', async () => {
	expect((await companion.api(admin, 'GET', path())).body).toEqual({ audit: null });
	const ran = await companion.api(admin, 'POST', path());
	expect(ran.status).toBe(200);
	expect(ran.body.reports).toEqual([
		expect.objectContaining({
			name: 'Credentials Risk Report',
			risk: 'credentials',
			sections: [
				expect.objectContaining({
					title: 'Credentials not used in any workflow',
					locations: [expect.objectContaining({ name: 'My Test Account' })],
				}),
			],
		}),
		expect.objectContaining({ name: 'Nodes Risk Report', risk: 'nodes' }),
	]);
	expect((await companion.api(admin, 'GET', path())).body.audit).toEqual(ran.body);
	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=environment.security_audit');
	expect(audit.body.data[0].metadata).toEqual({
		risks: [
			{ risk: 'credentials', sections: 1 },
			{ risk: 'nodes', sections: 1 },
		],
	});

	const owner = await signedInClient(companion, 'owner@example.com');
	const page = await (await owner.get(`/environments/${environmentId}/findings`)).text();
	expect(page).toContain('Official risky nodes');
	expect(page).toContain(`/environments/${environmentId}/workflows/wf-7`);
	expect(page).toContain('Run it again');

	answer = { status: 200, body: [] };
	expect((await owner.post(`/environments/${environmentId}/security-audit`, {})).status).toBe(303);
	expect(await (await owner.get(`/environments/${environmentId}/findings`)).text()).toContain(
		'n8n found nothing to report',
	);
});

test('an answer not known, n8n’s refusal and a viewer are refused in words; the last audit stays', async () => {
	answer = { status: 200, body: { 'Odd Report': { risk: 7 } } };
	const odd = await companion.api(admin, 'POST', path());
	expect(odd.status).toBe(422);
	expect(odd.body.error.message).toBe('"prod" answered its security audit in a form not known');
	answer = { status: 403, body: { message: 'Forbidden' } };
	const refused = await companion.api(admin, 'POST', path());
	expect(refused.status).toBe(502);
	expect(refused.body.error.message).toMatch(/403/);
	expect((await companion.api(admin, 'GET', path())).body.audit.reports).toEqual([]);
	const owner = await signedInClient(companion, 'owner@example.com');
	const page = await owner.post(`/environments/${environmentId}/security-audit`, {});
	expect(page.status).toBe(502);
	expect(await page.text()).toMatch(/403/);
	const viewer = await companion.token('viewer');
	expect((await companion.api(viewer, 'POST', path())).status).toBe(403);
	expect((await companion.api(viewer, 'GET', path())).status).toBe(200);
});
