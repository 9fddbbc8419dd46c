import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { AuditLog } from '../../nodes/AuditLog/AuditLog.node';
import { type Companion, startCompanion } from '../support/companion';
import { loadOptions, runNode } from './harness';

let companion: Companion;
let developer: string;
let admin: string;
const node = new AuditLog();

beforeAll(async () => {
	companion = await startCompanion();
	developer = await companion.token('developer');
	admin = await companion.token('admin');
});
afterAll(() => companion.close());

const credentials = (token: string) => ({ baseUrl: `${companion.url}/`, apiToken: token });

test('Query’s environment filter is picked from the companion’s list, All Environments first', async () => {
	const fields = node.description.properties.flatMap((property) =>
		(property.options ?? []).filter((option) => 'name' in option && option.name === 'environmentId'),
	) as Array<{ typeOptions?: { loadOptionsMethod?: string } }>;
	expect(fields.map((field) => field.typeOptions?.loadOptionsMethod)).toEqual([undefined, 'getEnvironmentsOrAll']);
	const environment = await companion.environment(admin, {
		name: 'audited',
		baseUrl: 'http://127.0.0.1:9',
		apiKey: 'k',
	});
	const options = await loadOptions({ node, credentials: credentials(admin) }, 'getEnvironmentsOrAll');
	expect(options).toEqual([
		{ name: 'All Environments', value: '' },
		{ name: 'audited (prod)', value: environment.id },
	]);
});

describe('Write', () => {
	test('appends one entry per item, with the n8n workflow and execution ids, paired to its item', async () => {
		const [output] = await runNode({
			node,
			credentials: credentials(developer),
			workflowId: 'wf-42',
			executionId: 'exec-7',
			parameters: [
				{
					operation: 'write',
					action: 'deploy.finished',
					additionalFields: { resourceType: 'workflow', resourceId: 'abc', metadata: '{"build": 12}' },
				},
				{ operation: 'write', action: 'deploy.checked', additionalFields: { metadata: { ok: true } } },
			],
		});
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output[0].json).toMatchObject({
			action: 'custom.deploy.finished',
			resourceType: 'workflow',
			resourceId: 'abc',
			metadata: { build: 12 },
			n8n: { workflowId: 'wf-42', executionId: 'exec-7' },
			actor: { type: 'token' },
		});
		const stored = await companion.api(admin, 'GET', '/api/v1/audit?action=custom.deploy.checked');
		expect(stored.body.data).toHaveLength(1);
		expect(stored.body.data[0].metadata).toEqual({ ok: true });
		expect(stored.body.data[0].n8n).toEqual({ workflowId: 'wf-42', executionId: 'exec-7' });
	});

	test('metadata that is not JSON fails the item with a clear NodeOperationError', async () => {
		const attempt = runNode({
			node,
			credentials: credentials(developer),
			parameters: [{ operation: 'write', action: 'x', additionalFields: { metadata: '{not json' } }],
		});
		await expect(attempt).rejects.toThrow(NodeOperationError);
		await expect(attempt).rejects.toThrow('Metadata is not valid JSON');
	});

	test("the companion's validation message becomes a NodeApiError", async () => {
		const attempt = runNode({
			node,
			credentials: credentials(developer),
			parameters: [{ operation: 'write', action: 'has spaces', additionalFields: {} }],
		});
		await expect(attempt).rejects.toThrow(NodeApiError);
		await expect(attempt).rejects.toThrow(/action must be 1–100 letters/);
		// The message names each bad field already: no description repeats it as JSON.
		await expect(attempt).rejects.toMatchObject({ description: undefined });
	});

	test('an environment given by name is written as its id; an unknown name fails the item', async () => {
		const environment = await companion.environment(admin, {
			name: 'billing',
			baseUrl: 'http://127.0.0.1:9',
			apiKey: 'k',
		});
		const [[written]] = await runNode({
			node,
			credentials: credentials(developer),
			parameters: [
				{
					operation: 'write',
					action: 'named.environment',
					additionalFields: { environmentId: { __rl: true, mode: 'name', value: 'Billing' } },
				},
			],
		});
		expect(written.json).toMatchObject({ environmentId: environment.id });
		const attempt = runNode({
			node,
			credentials: credentials(developer),
			parameters: [
				{
					operation: 'write',
					action: 'x',
					additionalFields: { environmentId: { __rl: true, mode: 'name', value: 'nope' } },
				},
			],
		});
		await expect(attempt).rejects.toThrow('No environment is named "nope"');
	});

	test('with Continue On Fail, a failed item becomes an error item and the others go on', async () => {
		const [output] = await runNode({
			node,
			credentials: credentials(developer),
			continueOnFail: true,
			parameters: [
				{ operation: 'write', action: 'bad action!', additionalFields: {} },
				{ operation: 'write', action: 'good.one', additionalFields: {} },
			],
		});
		expect(output).toHaveLength(2);
		expect(output[0]).toMatchObject({
			pairedItem: { item: 0 },
			json: { error: expect.stringMatching(/action must be/) },
		});
		expect(output[1]).toMatchObject({ pairedItem: { item: 1 }, json: { action: 'custom.good.one' } });
	});

	test('a revoked or wrong token is refused with the companion message', async () => {
		await expect(
			runNode({
				node,
				credentials: credentials('wfo_not-a-real-token'),
				parameters: [{ operation: 'write', action: 'x', additionalFields: {} }],
			}),
		).rejects.toThrow('The API token is unknown or revoked');
	});
});

describe('Query', () => {
	beforeAll(async () => {
		for (let i = 0; i < 260; i++)
			await companion.api(developer, 'POST', '/api/v1/audit', { action: 'bulk.entry', metadata: { i } });
	});

	test('Limit returns that many, newest first', async () => {
		const [output] = await runNode({
			node,
			credentials: credentials(admin),
			parameters: [{ operation: 'query', returnAll: false, limit: 3, filters: { action: 'custom.bulk.entry' } }],
		});
		expect(output.map((item) => (item.json.metadata as { i: number }).i)).toEqual([259, 258, 257]);
		expect(output.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(true);
	});

	test('Return All follows the cursor across pages', async () => {
		const [output] = await runNode({
			node,
			credentials: credentials(admin),
			parameters: [{ operation: 'query', returnAll: true, filters: { action: 'custom.bulk.*' } }],
		});
		expect(output).toHaveLength(260);
		expect(new Set(output.map((item) => item.json.id)).size).toBe(260);
	});

	test('time filters are sent as ISO times', async () => {
		const [output] = await runNode({
			node,
			credentials: credentials(admin),
			parameters: [
				{ operation: 'query', returnAll: true, filters: { action: 'custom.bulk.entry', from: '2999-01-01T00:00:00' } },
			],
		});
		expect(output).toHaveLength(0);
	});

	test('a developer token may write but not read the audit log', async () => {
		await expect(
			runNode({
				node,
				credentials: credentials(developer),
				parameters: [{ operation: 'query', returnAll: false, limit: 1, filters: {} }],
			}),
		).rejects.toThrow(/may not do this: it needs the audit.read permission/);
	});
});

describe('Verify Chain', () => {
	test('reports the chain valid with the number of entries checked', async () => {
		const [output] = await runNode({ node, credentials: credentials(admin), parameters: [{ operation: 'verify' }] });
		expect(output).toHaveLength(1);
		expect(output[0].json).toMatchObject({ valid: true });
		expect(output[0].json.checked).toBeGreaterThan(260);
	});
});
