import { NodeOperationError } from 'n8n-workflow';
import { DriftCheck } from '../../nodes/DriftCheck/DriftCheck.node';
import { Snapshot } from '../../nodes/Snapshot/Snapshot.node';
import type { Companion } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow as workflow } from '../support/workflows';
import { listSearch, runNode } from './harness';

const driftCheck = new DriftCheck();
const snapshot = new Snapshot();
const store = fakeWorkflowStore([workflow(1), workflow(2)]);
let companion: Companion;
let admin: string;
let environmentId: string;
let close: () => Promise<void>;
let incidentId: string;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
	await companion.environment(admin, { name: 'staging', baseUrl: 'http://127.0.0.1:9', apiKey: 'k', class: 'staging' });
	await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/baseline`, {});
	store.reset([workflow(1, 'https://evil.example.com'), workflow(2)]);
	const check = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/drift-checks`);
	incidentId = check.body.incident.incident.id;
});
afterAll(() => close());

const credentials = () => ({ baseUrl: `${companion.url}/`, apiToken: admin });
const locator = (mode: string, value: string) => ({ __rl: true, mode, value });

describe('Environment', () => {
	test('the list holds every environment, searched by name, each linked to its page', async () => {
		const all = await listSearch({ node: driftCheck, credentials: credentials() }, 'searchEnvironments');
		expect(all.results.map((result) => result.name)).toEqual(['prod (prod)', 'staging (staging)']);
		const found = await listSearch({ node: driftCheck, credentials: credentials() }, 'searchEnvironments', 'PRO');
		expect(found.results).toEqual([
			{ name: 'prod (prod)', value: environmentId, url: `${companion.url}/environments/${environmentId}` },
		]);
	});

	test('picked from the list, by ID, or named as an agent would (any case)', async () => {
		for (const picked of [
			locator('list', environmentId),
			locator('name', environmentId),
			locator('name', ' Prod '),
			environmentId,
		]) {
			const [[status]] = await runNode({
				node: driftCheck,
				credentials: credentials(),
				parameters: [{ resource: 'environment', operation: 'getStatus', environmentId: picked }],
			});
			expect(status.json).toMatchObject({ environmentId });
		}
	});

	test('a name no environment has fails the item, listing the names there are', async () => {
		const attempt = runNode({
			node: driftCheck,
			credentials: credentials(),
			parameters: [{ resource: 'environment', operation: 'check', environmentId: locator('name', 'production') }],
		});
		await expect(attempt).rejects.toThrow(NodeOperationError);
		await expect(attempt).rejects.toMatchObject({
			message: 'No environment is named "production"',
			description: 'The companion\'s environments: "prod", "staging"',
		});
	});
});

describe('Incident', () => {
	test('the list describes each incident and links its page; search matches a drifted workflow or the environment', async () => {
		const { results } = await listSearch({ node: driftCheck, credentials: credentials() }, 'searchIncidents');
		expect(results).toEqual([
			{
				name: expect.stringMatching(/^prod · critical open · 1 workflow · opened \d{4}-\d\d-\d\d \d\d:\d\d$/),
				value: incidentId,
				url: `${companion.url}/incidents/${incidentId}`,
			},
		]);
		for (const [filter, found] of [
			['workflow 1', 1],
			['PROD', 1],
			['Workflow 2', 0],
			['staging', 0],
			['%', 0],
		] as const) {
			const search = await listSearch({ node: driftCheck, credentials: credentials() }, 'searchIncidents', filter);
			expect([filter, search.results.length]).toEqual([filter, found]);
		}
	});

	test('given by ID or by the URL of its page', async () => {
		const [[acknowledged]] = await runNode({
			node: driftCheck,
			credentials: credentials(),
			parameters: [
				{ resource: 'incident', operation: 'acknowledge', incidentId: locator('id', incidentId), note: 'on it' },
			],
		});
		expect(acknowledged.json).toMatchObject({ id: incidentId, status: 'ACKNOWLEDGED' });
		const [[resolved]] = await runNode({
			node: driftCheck,
			credentials: credentials(),
			parameters: [
				{
					resource: 'incident',
					operation: 'resolve',
					incidentId: locator('url', `${companion.url}/incidents/${incidentId}?tab=items`),
					resolution: 'note',
					note: 'expected change',
				},
			],
		});
		expect(resolved.json).toMatchObject({ id: incidentId, status: 'RESOLVED' });
	});
});

describe('Snapshot', () => {
	test('the list describes each snapshot, newest first, searched by label or reason; Get takes its page’s URL', async () => {
		const taken = [];
		for (const [label, reason] of [
			['before release 42', 'nightly'],
			['', 'hotfix on prod'],
		]) {
			taken.push((await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId, label, reason })).body);
		}
		const { results } = await listSearch({ node: snapshot, credentials: credentials() }, 'searchSnapshots');
		expect(results.map((result) => [result.value, result.url])).toEqual(
			taken.reverse().map((item) => [item.id, `${companion.url}/snapshots/${item.id}`]),
		);
		expect(results.map((result) => result.name)).toEqual([
			expect.stringMatching(/^no label · prod · 2 workflows · \d{4}-\d\d-\d\d \d\d:\d\d$/),
			expect.stringMatching(/^before release 42 · prod · 2 workflows · /),
		]);
		for (const [filter, found] of [
			['release', [taken[1].id]],
			['HOTFIX', [taken[0].id]],
			['nothing like it', []],
		] as const) {
			const search = await listSearch({ node: snapshot, credentials: credentials() }, 'searchSnapshots', filter);
			expect(search.results.map((result) => result.value)).toEqual(found);
		}

		const [[got]] = await runNode({
			node: snapshot,
			credentials: credentials(),
			parameters: [{ operation: 'get', snapshotId: locator('url', `${companion.url}/snapshots/${taken[1].id}`) }],
		});
		expect(got.json).toMatchObject({ id: taken[1].id, label: 'before release 42' });
	});

	test('a URL that is not a snapshot page is refused by the field itself', () => {
		const field = snapshot.description.properties.find((property) => property.name === 'snapshotId')!;
		const byUrl = field.modes!.find((mode) => mode.name === 'url')!;
		const pattern = new RegExp((byUrl.validation![0] as unknown as { properties: { regex: string } }).properties.regex);
		expect(pattern.test(`${companion.url}/snapshots/0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b`)).toBe(true);
		expect(pattern.test(`${companion.url}/incidents/0b8e6f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b`)).toBe(false);
	});
});
