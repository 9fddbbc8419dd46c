import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { type Companion, startCompanion } from '../support/companion';
import { signedInClient, type UiClient } from '../support/ui-client';

let companion: Companion;
let owner: UiClient;
let developer: UiClient;
let dev: string;
let prod: string;

beforeAll(async () => {
	companion = await startCompanion({ withAdmin: true });
	await createUser(companion.db, CLI_CONTEXT, {
		email: 'dev@example.com',
		password: 'correct horse battery',
		role: 'developer',
	});
	owner = await signedInClient(companion, 'owner@example.com');
	developer = await signedInClient(companion, 'dev@example.com');
	const admin = await companion.token('admin');
	const environment = async (name: string, kind: string) =>
		(await companion.environment(admin, { name, baseUrl: 'http://127.0.0.1:9', apiKey: 'k', class: kind }))
			.id as string;
	dev = await environment('dev', 'dev');
	prod = await environment('prod', 'prod');
});
afterAll(() => companion.close());

const stage = (i: number, fields: Record<string, string>) =>
	Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${key}_${i}`, value]));

test('a pipeline made in the form: its stage, gates and windows as typed, listed with its gates', async () => {
	const created = await owner.post('/pipelines', {
		rows: '1',
		name: 'Release',
		description: 'dev to prod',
		...stage(0, {
			source: dev,
			target: prod,
			approvals: '',
			risk: 'LOW',
			deletions: 'report',
			inSync: 'on',
			dependencies: 'on',
			windows: 'deny 0 15 * * 5 66h Europe/Berlin\nallow 0 9 * * 1-5 8h',
		}),
	});
	expect([created.status, created.headers.get('location')]).toEqual([303, '/pipelines']);
	const [pipeline] = (await companion.api(await companion.token('admin'), 'GET', '/api/v1/pipelines')).body.data;
	expect(pipeline.stages).toEqual([
		expect.objectContaining({
			sourceEnvironmentId: dev,
			targetEnvironmentId: prod,
			requiredApprovals: 1,
			autoApproveMaxRisk: 'LOW',
			requireTargetInSync: true,
			allowDriftElsewhere: false,
			includeDependencies: true,
			windows: [
				{ kind: 'deny', schedule: '0 15 * * 5', duration: '66h', timeZone: 'Europe/Berlin' },
				{ kind: 'allow', schedule: '0 9 * * 1-5', duration: '8h', timeZone: 'UTC' },
			],
		}),
	]);
	const list = await (await developer.get('/pipelines')).text();
	expect(list).toContain('Release');
	expect(list).toContain('dev → prod');
	expect(list).toContain('prod: 1 approval, none up to LOW, 2 windows');
	expect(list).not.toContain('New pipeline');

	const edit = await (await owner.get(`/pipelines/${pipeline.id}/edit`)).text();
	expect(edit).toContain('deny 0 15 * * 5 66h Europe/Berlin');
	expect(edit).toContain('Stage 2 (new)');
	const saved = await owner.post(`/pipelines/${pipeline.id}`, {
		rows: '2',
		name: 'Release train',
		...stage(0, { source: dev, target: prod, approvals: '2', risk: 'NONE', deletions: 'archive' }),
	});
	expect(saved.status).toBe(303);
	const after = (await companion.api(await companion.token('admin'), 'GET', `/api/v1/pipelines/${pipeline.id}`)).body;
	expect(after).toMatchObject({
		name: 'Release train',
		stages: [{ requiredApprovals: 2, deletions: 'archive', requireTargetInSync: false, windows: [] }],
	});
	expect((await owner.post(`/pipelines/${pipeline.id}/delete`, {})).status).toBe(303);
	expect((await owner.get(`/pipelines/${pipeline.id}/edit`)).status).toBe(404);
});

test('the form says what is wrong, stage by stage, and keeps what was typed', async () => {
	const refused = await owner.post('/pipelines', {
		rows: '2',
		name: 'Broken',
		...stage(0, { source: dev, target: dev, risk: 'NONE', deletions: 'report' }),
		...stage(1, { source: dev, target: prod, risk: 'NONE', deletions: 'report', windows: 'allow whenever 8h' }),
	});
	expect(refused.status).toBe(422);
	const html = await refused.text();
	expect(html).toContain('Stage 1, Into: must differ from sourceEnvironmentId');
	expect(html).toContain('Stage 2, window 1: must be a cron expression of 5 fields');
	expect(html).toContain('allow whenever 8h');
	expect(html).toContain('value="Broken"');

	await owner.post('/pipelines', {
		rows: '1',
		name: 'Taken',
		...stage(0, { source: dev, target: prod, risk: 'NONE', deletions: 'report' }),
	});
	const taken = await owner.post('/pipelines', {
		rows: '1',
		name: 'Taken',
		...stage(0, { source: dev, target: prod, risk: 'NONE', deletions: 'report' }),
	});
	expect(taken.status).toBe(409);
	expect(await taken.text()).toContain('A pipeline named &quot;Taken&quot; already exists');
	expect((await developer.get('/pipelines/new')).status).toBe(403);
});
