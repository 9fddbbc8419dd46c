import { type Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

/** A workflow whose one node uses the Slack credential `id` named `name`. */
const usingSlack = (i: number, id: string, name: string) => {
	const workflow = httpWorkflow(i);
	workflow.nodes[0].credentials = { slackApi: { id, name } };
	return workflow;
};

// Both fake instances answer 404 for /credentials, as n8n 1.x does: the companion knows their
// credentials from what their workflows use.
const prodStore = fakeWorkflowStore([usingSlack(1, 'p-1', 'Prod Slack')]);
const devStore = fakeWorkflowStore([usingSlack(2, 'd-1', 'Team Slack')]);
let companion: Companion;
let admin: string;
let prod: string;
let dev: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, prod, dev, close } = await companionWithDevAndProd(devStore, prodStore));
});
afterAll(() => close());

const binding = (targetCredentialId: string) => ({
	sourceEnvironmentId: dev,
	sourceCredentialId: 'd-1',
	targetEnvironmentId: prod,
	targetCredentialId,
});

test('a binding maps a source credential to a target one, both shown as the companion knows them', async () => {
	const put = await companion.api(admin, 'PUT', '/api/v1/credential-bindings', binding('p-1'));
	expect(put.status).toBe(200);
	expect(put.body).toMatchObject({
		...binding('p-1'),
		sourceCredential: { id: 'd-1', name: 'Team Slack', type: 'slackApi' },
		targetCredential: { id: 'p-1', name: 'Prod Slack', type: 'slackApi' },
	});
	const replaced = await companion.api(admin, 'PUT', '/api/v1/credential-bindings', binding('p-unknown'));
	expect(replaced.body).toMatchObject({ targetCredentialId: 'p-unknown', targetCredential: null });
	const listed = await companion.api(admin, 'GET', `/api/v1/credential-bindings?targetEnvironmentId=${prod}`);
	expect(listed.body.data).toEqual([expect.objectContaining({ targetCredentialId: 'p-unknown' })]);
	expect(
		(await companion.api(admin, 'GET', `/api/v1/credential-bindings?targetEnvironmentId=${dev}`)).body.data,
	).toEqual([]);

	const where = `sourceEnvironmentId=${dev}&sourceCredentialId=d-1&targetEnvironmentId=${prod}`;
	expect((await companion.api(admin, 'DELETE', `/api/v1/credential-bindings?${where}`)).status).toBe(204);
	const again = await companion.api(admin, 'DELETE', `/api/v1/credential-bindings?${where}`);
	expect([again.status, again.body.error.message]).toEqual([404, 'Credential binding was not found']);
	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=credential_binding.*&limit=5');
	expect(audit.body.data.map((entry: { action: string }) => entry.action)).toEqual([
		'credential_binding.delete',
		'credential_binding.put',
		'credential_binding.put',
	]);
});

test('bad bindings are refused in words; only an admin binds', async () => {
	const same = await companion.api(admin, 'PUT', '/api/v1/credential-bindings', {
		...binding('p-1'),
		targetEnvironmentId: dev,
	});
	expect([same.status, same.body.error.message]).toEqual([
		400,
		'Invalid request body: targetEnvironmentId must differ from sourceEnvironmentId',
	]);
	const unknown = await companion.api(admin, 'PUT', '/api/v1/credential-bindings', {
		...binding('p-1'),
		targetEnvironmentId: 'gone',
	});
	expect([unknown.status, unknown.body.error.message]).toEqual([422, 'No environment has the id gone']);
	const missing = await companion.api(admin, 'PUT', '/api/v1/credential-bindings', { sourceEnvironmentId: dev });
	expect(missing.status).toBe(400);
	expect(missing.body.error.message).toContain('sourceCredentialId is required');
	const developer = await companion.token('developer');
	expect((await companion.api(developer, 'PUT', '/api/v1/credential-bindings', binding('p-1'))).status).toBe(403);
	expect((await companion.api(developer, 'GET', '/api/v1/credential-bindings')).status).toBe(200);
});
