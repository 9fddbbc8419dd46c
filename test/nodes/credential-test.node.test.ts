import type { ICredentialTestFunctions } from 'n8n-workflow';
import { WorkflowOpsApi } from '../../credentials/WorkflowOpsApi.credentials';
import { testCompanionCredential } from '../../nodes/shared/credential-test';
import { type Companion, startCompanion } from '../support/companion';
import { closedPort, startFakeN8n } from '../support/fake-n8n';
import { ALL_NODES } from '../support/nodes';

let companion: Companion;
let admin: string;

beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
});
afterAll(() => companion.close());

const runCredentialTest = (data: { baseUrl: string; apiToken: string }) =>
	testCompanionCredential.call({} as ICredentialTestFunctions, {
		id: 'c',
		name: 'probe',
		type: 'workflowOpsApi',
		data,
	});

test('every node tests the credential with the companion’s own test, and the credential has no request test to shadow it', () => {
	for (const [, node] of ALL_NODES) {
		expect(node.description.credentials).toEqual([
			{ name: new WorkflowOpsApi().name, required: true, testedBy: 'workflowOpsApiTest' },
		]);
		expect(node.methods?.credentialTest?.workflowOpsApiTest).toBe(testCompanionCredential);
	}
	expect('test' in new WorkflowOpsApi()).toBe(false);
});

test('a good token: connected, as whom', async () => {
	expect(await runCredentialTest({ baseUrl: `${companion.url}/`, apiToken: admin })).toEqual({
		status: 'OK',
		message: expect.stringMatching(/^Connected as .+ \(admin\)$/),
	});
});

test('each failure says what to fix', async () => {
	const n8nLike = await startFakeN8n(() => ({ status: 401, body: { message: "'X-N8N-API-KEY' header required" } }));
	const port = await closedPort();
	try {
		const cases: Array<[{ baseUrl: string; apiToken: string }, string]> = [
			[
				{ baseUrl: companion.url, apiToken: 'wfo_not_a_token' },
				'The companion does not know this API token (mistyped, or revoked): create one in the companion under Users → API tokens, or with "workflowops token create", and paste it here',
			],
			[
				{ baseUrl: `${companion.url}/api/v1/`, apiToken: admin },
				`Use the companion's root URL, without /api/v1: ${companion.url}`,
			],
			[
				{ baseUrl: n8nLike.url, apiToken: admin },
				`${n8nLike.url} does not answer as the WorkflowOps companion (HTTP 401): the Companion URL is the companion's own root, such as http://localhost:5690, not an n8n URL`,
			],
			[
				{ baseUrl: `http://127.0.0.1:${port}`, apiToken: admin },
				`Nothing listens at http://127.0.0.1:${port}: start the companion ("npm start") or fix the address and port`,
			],
			[
				{ baseUrl: 'http://companion.invalid', apiToken: admin },
				'The host of http://companion.invalid is not known here: check the name, as this n8n sees it',
			],
			[
				{ baseUrl: 'localhost:5690', apiToken: admin },
				'The Companion URL must start with http:// or https://, such as http://localhost:5690',
			],
		];
		for (const [data, message] of cases) {
			expect(await runCredentialTest(data)).toEqual({ status: 'Error', message });
		}
	} finally {
		await n8nLike.close();
	}
});
