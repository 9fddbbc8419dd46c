import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import type { Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { signedInClient, type UiClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const devStore = fakeWorkflowStore([{ ...httpWorkflow(1), id: 'd-1', name: 'Invoice sync' }]);
const prodStore = fakeWorkflowStore([]);
let companion: Companion;
let requester: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;
let owner: UiClient;
let developer: UiClient;

beforeAll(async () => {
	({
		companion,
		admin: requester,
		dev,
		prod,
		close,
	} = await companionWithDevAndProd(devStore, prodStore, {
		withAdmin: true,
	}));
	await createUser(companion.db, CLI_CONTEXT, {
		email: 'dev@example.com',
		password: 'correct horse battery',
		role: 'developer',
	});
	owner = await signedInClient(companion, 'owner@example.com');
	developer = await signedInClient(companion, 'dev@example.com');
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});
});
afterAll(() => close());

const requestOne = async (reason: string) =>
	(
		await companion.api(requester, 'POST', '/api/v1/promotions', {
			sourceEnvironmentId: dev,
			targetEnvironmentId: prod,
			workflowIds: ['d-1'],
			reason,
		})
	).body;

test('the promotions page lists them, and filters to those waiting for approval (the table alone for htmx)', async () => {
	const promotion = await requestOne('release 42');
	const page = await (await owner.get('/promotions')).text();
	expect(page).toContain('<h1>Promotions</h1>');
	expect(page).toContain(`href="/promotions/${promotion.id}"`);
	expect(page).toContain('dev → prod');
	expect(page).toContain('0 of 1');
	const partial = await (await owner.get('/promotions?status=PENDING_APPROVAL', { 'HX-Request': 'true' })).text();
	expect(partial.startsWith('<div id="promotion-table">')).toBe(true);
	expect(partial).toContain(promotion.id);
	const none = await (await owner.get('/promotions?status=COMPLETED', { 'HX-Request': 'true' })).text();
	expect(none).toContain('No promotion matches');
});

test('an admin approves on the promotion page; the plan and the decision are shown', async () => {
	const promotion = await requestOne('from the page');
	const page = await (await owner.get(`/promotions/${promotion.id}`)).text();
	expect(page).toContain('Invoice sync');
	expect(page).toContain('from the page');
	expect(page).toContain('>Approve</button>');
	const approved = await owner.post(`/promotions/${promotion.id}/approve`, { comment: 'ship it' });
	expect([approved.status, approved.headers.get('location')]).toEqual([303, `/promotions/${promotion.id}`]);
	const after = await (await owner.get(`/promotions/${promotion.id}`)).text();
	expect(after).toContain('Approved</strong> by owner@example.com');
	expect(after).toContain('ship it');
	expect(after).not.toContain('>Approve</button>');
});

test('a reject needs its reason on the page; a developer sees no approve button and is refused', async () => {
	const promotion = await requestOne('to reject');
	const bare = await owner.post(`/promotions/${promotion.id}/reject`, { comment: ' ' });
	expect(bare.status).toBe(422);
	expect(await bare.text()).toContain('Comment is required');
	const seen = await (await developer.get(`/promotions/${promotion.id}`)).text();
	expect(seen).not.toContain('>Approve</button>');
	expect((await developer.post(`/promotions/${promotion.id}/approve`, {})).status).toBe(403);
	expect((await owner.post(`/promotions/${promotion.id}/reject`, { comment: 'not now' })).status).toBe(303);
	const again = await owner.post(`/promotions/${promotion.id}/cancel`, {});
	expect(again.status).toBe(409);
	expect(await again.text()).toContain('The promotion is rejected: it cannot be cancelled');
});

test('an approved promotion runs from its page, followed live; then its run and a Roll back button are shown', async () => {
	const promotion = await requestOne('run from the page');
	await owner.post(`/promotions/${promotion.id}/approve`, {});
	const approved = await (await owner.get(`/promotions/${promotion.id}`)).text();
	expect(approved).toContain('>Run the promotion</button>');
	expect(await (await developer.get(`/promotions/${promotion.id}`)).text()).not.toContain('Run the promotion');
	expect((await developer.post(`/promotions/${promotion.id}/execute`, {})).status).toBe(403);

	const started = await owner.post(`/promotions/${promotion.id}/execute`, {}, { 'HX-Request': 'true' });
	expect(started.status).toBe(202);
	const follow = await started.text();
	expect(follow).toMatch(/sse-connect="\/jobs\/[0-9a-f-]{36}\/stream"/);
	const jobId = follow.match(/\/jobs\/([0-9a-f-]{36})\/stream/)![1];
	await companion.api(requester, 'GET', `/api/v1/jobs/${jobId}?wait=10`);
	const done = await (await owner.get(`/promotions/${promotion.id}`)).text();
	expect(done).toContain('<h2>Run</h2>');
	expect(done).toMatch(/<td>Invoice sync<\/td><td>create<\/td><td>done<\/td>/);
	expect(done).toContain('the snapshot taken before');
	expect(done).toContain('>Roll back</button>');

	const again = await owner.post(`/promotions/${promotion.id}/execute`, {}, { 'HX-Request': 'true' });
	expect(again.status).toBe(409);
	expect(await again.text()).toContain('The promotion is completed: it cannot be executed');
	const rolled = await owner.post(`/promotions/${promotion.id}/rollback`, { reason: 'oops' }, { 'HX-Request': 'true' });
	expect(rolled.status).toBe(202);
	const rollbackJob = (await rolled.text()).match(/\/jobs\/([0-9a-f-]{36})\/stream/)![1];
	const finished = await companion.api(requester, 'GET', `/api/v1/jobs/${rollbackJob}?wait=10`);
	expect(finished.body.status).toBe('succeeded');
	const rollbackPage = await (await owner.get(`/promotions/${finished.body.result.rollbackId}`)).text();
	expect(rollbackPage).toContain(`This is the rollback of <a href="/promotions/${promotion.id}">`);
	expect(rollbackPage).not.toContain('>Roll back</button>');
});

test('the wizard: pick source, target and workflows, plan, bind the credential prod lacks, request', async () => {
	devStore.workflows.set('d-9', {
		...httpWorkflow(9),
		id: 'd-9',
		name: 'Uses key',
		nodes: [{ ...httpWorkflow(9).nodes[0], credentials: { httpHeaderAuth: { id: 'c-dev', name: 'ERP key' } } }],
	});
	prodStore.workflows.set('p-1', {
		...httpWorkflow(1, 'https://other.example.com'),
		id: 'p-1',
		name: 'Other',
		nodes: [{ ...httpWorkflow(1).nodes[0], credentials: { httpHeaderAuth: { id: 'c-prod', name: 'ERP key (prod)' } } }],
	});
	for (const environmentId of [dev, prod]) await syncAndFollow(companion, requester, environmentId);
	await companion.api(requester, 'POST', `/api/v1/environments/${prod}/baseline`, {});

	const page = await (await owner.get('/promotions/new')).text();
	expect(page).toContain('<h1>New promotion</h1>');
	expect(page).toContain('Pick the environment to promote from to choose its workflows.');
	const source = await (await owner.get(`/promotions/new?sourceEnvironmentId=${dev}`, { 'HX-Request': 'true' })).text();
	expect(source.startsWith('<fieldset id="source-workflows">')).toBe(true);
	expect(source).toContain('value="d-9"');

	const form = { sourceEnvironmentId: dev, targetEnvironmentId: prod, selection: 'ids', workflowIds: 'd-9' };
	const none = await owner.post('/promotions/new/plan', { ...form, workflowIds: '' }, { 'HX-Request': 'true' });
	expect([none.status, await none.text()]).toEqual([422, expect.stringContaining('Tick at least one workflow')]);
	const blocked = await (await owner.post('/promotions/new/plan', form, { 'HX-Request': 'true' })).text();
	expect(blocked).toContain('What blocks it');
	expect(blocked).toContain('has no httpHeaderAuth credential named &quot;ERP key&quot;');
	expect(blocked).toContain('<option value="c-prod">ERP key (prod)</option>');
	expect(blocked).not.toContain('Request this promotion');
	expect(
		(
			await developer.post('/promotions/new/bind', {
				...form,
				sourceCredentialId: 'c-dev',
				targetCredentialId: 'c-prod',
			})
		).status,
	).toBe(403);

	const bound = await owner.post(
		'/promotions/new/bind',
		{ ...form, sourceCredentialId: 'c-dev', targetCredentialId: 'c-prod' },
		{ 'HX-Request': 'true' },
	);
	const plan = await bound.text();
	expect(plan).toContain('Bound: the plan below is made again with it.');
	expect(plan).not.toContain('What blocks it');
	expect(plan).toContain('Request this promotion');

	const requested = await owner.post('/promotions/new', { ...form, reason: 'from the wizard' });
	expect(requested.status).toBe(303);
	const promotionPage = await (await owner.get(requested.headers.get('location')!)).text();
	expect(promotionPage).toContain('from the wizard');
	expect(promotionPage).toContain('Uses key');
});

test('the wizard promotes under a pipeline stage’s gates, or every workflow with a tag', async () => {
	devStore.workflows.set('d-20', {
		...httpWorkflow(20),
		id: 'd-20',
		name: 'Tagged report',
		tags: [{ id: 't-1', name: 'finance' }],
	});
	await syncAndFollow(companion, requester, dev);
	const pipeline = (
		await companion.api(requester, 'POST', '/api/v1/pipelines', {
			name: 'Release',
			stages: [{ sourceEnvironmentId: dev, targetEnvironmentId: prod, requiredApprovals: 2 }],
		})
	).body;

	const page = await (await owner.get(`/promotions/new?sourceEnvironmentId=${dev}`)).text();
	expect(page).toContain(`<option value="${pipeline.id}:0" >Release: dev → prod</option>`);
	expect(page).toContain('<option value="finance">');

	const byTag = { sourceEnvironmentId: dev, targetEnvironmentId: prod, selection: 'tag', tag: 'finance' };
	const noTag = await owner.post('/promotions/new/plan', { ...byTag, tag: ' ' }, { 'HX-Request': 'true' });
	expect([noTag.status, await noTag.text()]).toEqual([422, expect.stringContaining('Name the tag')]);
	const tagged = await (await owner.post('/promotions/new/plan', byTag, { 'HX-Request': 'true' })).text();
	expect(tagged).toContain('Tagged report');
	expect(tagged).not.toContain('Invoice sync');

	const staged = { ...byTag, pipelineStage: `${pipeline.id}:0` };
	const wrongPair = await owner.post(
		'/promotions/new/plan',
		{ ...staged, sourceEnvironmentId: prod, targetEnvironmentId: dev },
		{ 'HX-Request': 'true' },
	);
	expect([wrongPair.status, await wrongPair.text()]).toEqual([
		422,
		expect.stringContaining('The stage “Release: dev → prod” promotes between other environments'),
	]);
	const gone = await owner.post(
		'/promotions/new/plan',
		{ ...staged, pipelineStage: 'nope:0' },
		{ 'HX-Request': 'true' },
	);
	expect(await gone.text()).toContain('That pipeline stage no longer exists');

	const requested = await owner.post('/promotions/new', { ...staged, reason: 'quarter close' });
	expect(requested.status).toBe(303);
	const id = requested.headers.get('location')!.split('/').pop();
	const promotion = (await companion.api(requester, 'GET', `/api/v1/promotions/${id}`)).body;
	expect(promotion).toMatchObject({
		pipelineId: pipeline.id,
		stage: { requiredApprovals: 2 },
		reason: 'quarter close',
	});
	expect(promotion.plan.items.map((item: { name: string }) => item.name)).toEqual(['Tagged report']);
	await companion.api(requester, 'POST', `/api/v1/promotions/${id}/cancel`, {});
	await companion.api(requester, 'DELETE', `/api/v1/pipelines/${pipeline.id}`);
});
