import { DriftCheck } from '../../nodes/DriftCheck/DriftCheck.node';
import { allowEverything, type Companion } from '../support/companion';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow as workflow } from '../support/workflows';
import { runNode } from './harness';

const node = new DriftCheck();
const store = fakeWorkflowStore([workflow(1), workflow(2)]);
let companion: Companion;
let admin: string;
let developer: string;
let environmentId: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, environmentId, close } = await companionWithFakeN8n(store));
	await allowEverything(companion, admin);
	developer = await companion.token('developer');
});
afterAll(() => close());

const run = (parameters: object, options: { token?: string; continueOnFail?: boolean } = {}) =>
	runNode({
		node,
		credentials: { baseUrl: companion.url, apiToken: options.token ?? admin },
		parameters: [parameters as any],
		continueOnFail: options.continueOnFail,
	});
const environment = (operation: string, extra: object = {}) => ({
	resource: 'environment',
	operation,
	environmentId,
	...extra,
});

test('Resolve asks for the resolution first, then a note, required when the resolution is a note; a revert may confirm', () => {
	const shown = (resolution: string) =>
		node.description.properties.filter((property) => {
			const show = property.displayOptions?.show ?? {};
			return (
				show.resource?.includes('incident') &&
				show.operation?.includes('resolve') &&
				(!show.resolution || show.resolution.includes(resolution))
			);
		});
	for (const resolution of ['note', 'keep', 'revert']) {
		const fields = shown(resolution).filter((property) => property.name !== 'incidentId');
		expect(fields.map((property) => [property.name, Boolean(property.required)])).toEqual([
			['resolution', false],
			['note', resolution === 'note'],
			...(resolution === 'revert' ? [['confirm', false]] : []),
		]);
	}
});

test('Approve Current State, then Check: a summary, or one item per drifted workflow for an IF on risk', async () => {
	const [[approved]] = await run(environment('approve', { approveFields: { note: 'onboarding' } }));
	expect(approved.json).toEqual({ environmentId, workflows: 2 });

	const [[inSync]] = await run(environment('check', { output: 'summary' }));
	expect(inSync.json).toMatchObject({ environmentId, status: 'IN_SYNC', highestRisk: null, incidentId: null });

	store.workflows.get('wf-2')!.nodes[0].parameters = { url: 'https://evil.example.net' };
	const [[summary]] = await run(environment('check', { output: 'summary' }));
	expect(summary.json).toMatchObject({
		status: 'DRIFT_DETECTED',
		counts: { MODIFIED: 1, IN_SYNC: 1 },
		highestRisk: 'HIGH',
		incidentChange: 'opened',
		severity: 'critical',
		incidentId: expect.any(String),
	});
	const [drifted] = await run(environment('check', { output: 'drifted', includeDiff: false }));
	expect(drifted.map(({ json }) => json)).toEqual([
		{
			environmentId,
			checkId: expect.any(String),
			workflowId: 'wf-2',
			name: 'Workflow 2',
			status: 'MODIFIED',
			risk: 'HIGH',
			reasons: ['HIGH http: Call'],
			active: false,
		},
	]);

	const [[status]] = await run(environment('getStatus'));
	expect(status.json).toMatchObject({ status: 'DRIFT_DETECTED', openIncidentId: summary.json.incidentId });
});

test('List, Acknowledge and Resolve an incident; a revert waits for the restore', async () => {
	const [[incident]] = await run({
		resource: 'incident',
		operation: 'list',
		filters: { status: 'OPEN' },
		returnAll: true,
	});
	expect(incident.json).toMatchObject({ status: 'OPEN', severity: 'critical' });
	const incidentId = incident.json.id;

	const [[acknowledged]] = await run(
		{ resource: 'incident', operation: 'acknowledge', incidentId, note: 'on it' },
		{ token: developer },
	);
	expect(acknowledged.json).toMatchObject({ status: 'ACKNOWLEDGED', acknowledged: { note: 'on it' } });

	await expect(
		run(
			{ resource: 'incident', operation: 'resolve', incidentId, resolution: 'revert', note: '' },
			{ token: developer },
		),
	).rejects.toThrow(/it needs the snapshots.restore permission/);

	const [[reverted]] = await run({
		resource: 'incident',
		operation: 'resolve',
		incidentId,
		resolution: 'revert',
		note: 'no',
	});
	expect(reverted.json).toMatchObject({
		status: 'RESOLVED',
		resolved: { resolution: 'revert' },
		restore: { updated: ['wf-2'] },
	});
	expect(store.workflows.get('wf-2')!.nodes[0].parameters).toEqual({ url: 'https://erp.example.com/2' });

	const [[again]] = await run(
		{ resource: 'incident', operation: 'resolve', incidentId, resolution: 'note', note: 'x' },
		{ continueOnFail: true },
	);
	expect(again.json.error).toMatch(/already resolved/);
});
