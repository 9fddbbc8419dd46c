import { type Companion, startCompanion } from '../support/companion';

let companion: Companion;
let admin: string;
let developer: string;
let dev: string;
let staging: string;
let prod: string;

beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
	developer = await companion.token('developer');
	const environment = async (name: string, kind: string) =>
		(await companion.environment(admin, { name, baseUrl: 'http://127.0.0.1:9', apiKey: 'k', class: kind }))
			.id as string;
	dev = await environment('dev', 'dev');
	staging = await environment('staging', 'staging');
	prod = await environment('prod', 'prod');
});
afterAll(() => companion.close());

const create = (body: object, token = admin) => companion.api(token, 'POST', '/api/v1/pipelines', body);

test('a pipeline is created with its stages in order, their gates defaulted: one approval into prod', async () => {
	const created = await create({
		name: 'Release',
		description: 'dev to prod',
		stages: [
			{ sourceEnvironmentId: dev, targetEnvironmentId: staging },
			{
				sourceEnvironmentId: staging,
				targetEnvironmentId: prod,
				autoApproveMaxRisk: 'LOW',
				windows: [{ kind: 'deny', schedule: '0 15 * * 5', duration: '72h', timeZone: 'Europe/Berlin' }],
			},
		],
	});
	expect(created.status).toBe(201);
	expect(created.body).toMatchObject({
		name: 'Release',
		description: 'dev to prod',
		stages: [
			{
				position: 0,
				sourceEnvironmentId: dev,
				targetEnvironmentId: staging,
				requiredApprovals: 0,
				autoApproveMaxRisk: 'NONE',
				requireTargetInSync: true,
				allowDriftElsewhere: false,
				windows: [],
				deletions: 'report',
				includeDependencies: true,
			},
			{
				position: 1,
				targetEnvironmentId: prod,
				requiredApprovals: 1,
				autoApproveMaxRisk: 'LOW',
				windows: [{ kind: 'deny', schedule: '0 15 * * 5', duration: '72h', timeZone: 'Europe/Berlin' }],
			},
		],
	});
	const { body } = await companion.api(developer, 'GET', `/api/v1/pipelines/${created.body.id}`);
	expect(body).toEqual(created.body);
	const listed = await companion.api(developer, 'GET', '/api/v1/pipelines');
	expect(listed.body.data.map((pipeline: { name: string }) => pipeline.name)).toContain('Release');

	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=pipeline.create&limit=1');
	expect(audit.body.data[0]).toMatchObject({ resourceId: created.body.id, metadata: { name: 'Release', stages: 2 } });
});

test('a patch renames, describes or replaces the stages; an explicit gate is kept as given', async () => {
	const { body: pipeline } = await create({
		name: 'Hotfix',
		stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod, requiredApprovals: 2 }],
	});
	expect(pipeline.stages[0].requiredApprovals).toBe(2);
	const renamed = await companion.api(admin, 'PATCH', `/api/v1/pipelines/${pipeline.id}`, { name: 'Hotfix lane' });
	expect(renamed.status).toBe(200);
	expect(renamed.body).toMatchObject({ name: 'Hotfix lane', stages: [{ requiredApprovals: 2 }] });
	const restaged = await companion.api(admin, 'PATCH', `/api/v1/pipelines/${pipeline.id}`, {
		stages: [{ sourceEnvironmentId: staging, targetEnvironmentId: prod, requireTargetInSync: false }],
	});
	expect(restaged.body.stages).toEqual([
		expect.objectContaining({ sourceEnvironmentId: staging, requireTargetInSync: false, requiredApprovals: 1 }),
	]);
	expect((await companion.api(admin, 'DELETE', `/api/v1/pipelines/${pipeline.id}`)).status).toBe(204);
	expect((await companion.api(admin, 'GET', `/api/v1/pipelines/${pipeline.id}`)).status).toBe(404);
});

test('bad pipelines are refused with every problem named', async () => {
	const problems = async (body: object) => {
		const { status, body: answer } = await create(body);
		return [status, answer.error.message];
	};
	expect(await problems({ name: '', stages: [] })).toEqual([
		400,
		'Invalid request body: name must not be empty; stages must be at least 1 item',
	]);
	expect(
		await problems({
			name: 'Loop',
			stages: [
				{ sourceEnvironmentId: dev, targetEnvironmentId: dev },
				{ sourceEnvironmentId: dev, targetEnvironmentId: prod, requiredApprovals: -1, deletions: 'purge' },
				{ sourceEnvironmentId: dev, targetEnvironmentId: prod },
			],
		}),
	).toEqual([
		400,
		'Invalid request body: stages.0.targetEnvironmentId must differ from sourceEnvironmentId; stages.1.requiredApprovals must be at least 0; stages.1.deletions must be one of report, archive',
	]);
	expect(
		await problems({
			name: 'Twice',
			stages: [
				{ sourceEnvironmentId: dev, targetEnvironmentId: prod },
				{ sourceEnvironmentId: dev, targetEnvironmentId: prod },
			],
		}),
	).toEqual([400, 'Invalid request body: stages.1 repeats stage 1 (same source and target)']);
	expect(
		await problems({ name: 'Nowhere', stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: 'gone' }] }),
	).toEqual([422, 'stages.0.targetEnvironmentId: no environment has the id gone']);
	expect(
		await problems({
			name: 'Windows',
			stages: [
				{
					sourceEnvironmentId: dev,
					targetEnvironmentId: prod,
					windows: [{ kind: 'allow', schedule: 'daily', duration: '8h' }],
				},
			],
		}),
	).toEqual([
		400,
		'Invalid request body: stages.0.windows.0.schedule must be a cron expression of 5 fields, e.g. "0 9 * * 1-5"',
	]);
	await create({ name: 'Taken', stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: staging }] });
	expect(await problems({ name: 'Taken', stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod }] })).toEqual([
		409,
		'A pipeline named "Taken" already exists',
	]);
	expect((await companion.api(admin, 'PATCH', '/api/v1/pipelines/nope', { name: 'x' })).status).toBe(404);
});

test('only an admin writes pipelines; everyone reads them', async () => {
	const refused = await create(
		{ name: 'Mine', stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: staging }] },
		developer,
	);
	expect(refused.status).toBe(403);
	expect(refused.body.error.message).toContain('pipelines.manage');
	const viewer = await companion.token('viewer');
	expect((await companion.api(viewer, 'GET', '/api/v1/pipelines')).status).toBe(200);
});

test('an environment a stage names cannot be deleted until the pipeline lets it go', async () => {
	const qa = (
		await companion.environment(admin, { name: 'qa', baseUrl: 'http://127.0.0.1:9', apiKey: 'k', class: 'staging' })
	).id as string;
	const { body: pipeline } = await create({
		name: 'Through QA',
		stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: qa }],
	});
	const refused = await companion.api(admin, 'DELETE', `/api/v1/environments/${qa}`);
	expect(refused.status).toBe(409);
	expect(refused.body.error.message).toBe('"qa" is a stage of the pipeline "Through QA": change or delete it first');
	await companion.api(admin, 'DELETE', `/api/v1/pipelines/${pipeline.id}`);
	expect((await companion.api(admin, 'DELETE', `/api/v1/environments/${qa}`)).status).toBe(204);
});
