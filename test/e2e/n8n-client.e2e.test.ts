import { N8nClient } from '../../service/n8n/client';
import { N8nError } from '../../service/n8n/errors';
import { type N8nWorkflow, type WorkflowInput, writableBody } from '../../service/n8n/workflow-body';
import { contentHash } from '../../service/domain/workflows/normalize';
import { type Companion, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

/** What this registry's n8n versions accept of the corpus, once its settings are cleaned. */
const EXPECTED_CORPUS = {
	'2': { accepted: 99, refused: 201 },
	'1': { accepted: 300, refused: 0 },
};

const trigger = (name: string) => ({
	name,
	nodes: [
		{
			id: 't',
			name: 'Every hour',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [0, 0] as [number, number],
			parameters: { rule: { interval: [{ field: 'hours' }] } },
		},
		{
			id: 'n',
			name: 'Nothing',
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [200, 0] as [number, number],
			parameters: {},
		},
	],
	connections: { 'Every hour': { main: [[{ node: 'Nothing', type: 'main', index: 0 }]] } },
	settings: { executionOrder: 'v1' },
});

describe.each(selectedTargets())('n8n $version', (target) => {
	let n8n: N8nInstance;
	let client: N8nClient;
	let companion: Companion;
	let admin: string;

	beforeAll(async () => {
		[n8n, companion] = await Promise.all([startN8n({ target, name: 'prod' }), startCompanion()]);
		client = new N8nClient({ name: 'prod', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		admin = await companion.token('admin');
	});
	afterAll(async () => {
		await n8n?.stop();
		await companion?.close();
	});

	describe('test connection from the companion', () => {
		const testConnection = async (name: string, baseUrl: string, apiKey: string) => {
			const created = await companion.api(admin, 'POST', '/api/v1/environments', {
				name,
				baseUrl,
				class: 'prod',
				apiKey,
			});
			expect(created.status).toBe(201);
			return (await companion.api(admin, 'POST', `/api/v1/environments/${created.body.id}/test`)).body;
		};

		test('good key: reachable, authenticated, and the exact n8n version', async () => {
			expect(await testConnection('good', n8n.baseUrl, n8n.apiKey)).toMatchObject({
				ok: true,
				reachable: true,
				authenticated: true,
				version: target.version,
				message: `Connected to n8n ${target.version}`,
			});
		});

		test('wrong key: 401, said plainly', async () => {
			const report = await testConnection('wrong key', n8n.baseUrl, 'not-a-real-key');
			expect(report).toMatchObject({ ok: false, reachable: true, authenticated: false, errorKind: 'unauthorized' });
			expect(report.message).toMatch(/rejected the API key \(401\)/);
		});

		test('wrong URL (a path n8n does not serve the API under): not an n8n', async () => {
			const report = await testConnection('wrong url', `${n8n.baseUrl}/n8n`, n8n.apiKey);
			expect(report).toMatchObject({ ok: false, errorKind: 'not_n8n' });
			expect(report.message).toMatch(/not as n8n’s public API does/);
		});

		test('a stopped instance: connection refused', async () => {
			const stopped = await startN8n({ target, name: 'stopped' });
			const { baseUrl, apiKey } = stopped;
			await stopped.stop();
			const report = await testConnection('stopped', baseUrl, apiKey);
			expect(report).toMatchObject({ ok: false, reachable: false, errorKind: 'refused' });
			expect(report.message).toMatch(/refused the connection: is n8n running/);
		});
	});

	describe('workflows through the client', () => {
		let created: N8nWorkflow;

		test('create, read, update, delete', async () => {
			created = await client.createWorkflow({
				...trigger('CRUD check'),
				id: 'ignored',
				active: true,
				versionId: 'x',
				tags: [],
			} as never);
			expect(created).toMatchObject({ name: 'CRUD check', active: false });
			const read = await client.getWorkflow(created.id);
			expect(read.nodes.map((node) => node.name)).toEqual(['Every hour', 'Nothing']);
			const updated = await client.updateWorkflow(created.id, { ...read, name: 'CRUD check (renamed)' });
			expect(updated.name).toBe('CRUD check (renamed)');
			expect((await client.getWorkflow(created.id)).name).toBe('CRUD check (renamed)');
		});

		test('activate and deactivate (publish and unpublish on 2.x) behind one method', async () => {
			await client.setActive(created.id, true);
			expect((await client.getWorkflow(created.id)).active).toBe(true);
			await client.setActive(created.id, false);
			expect((await client.getWorkflow(created.id)).active).toBe(false);
			await client.deleteWorkflow(created.id);
			const gone = await client.getWorkflow(created.id).catch((error: N8nError) => error);
			expect(gone).toBeInstanceOf(N8nError);
			expect((gone as N8nError).status).toBe(404);
		});

		test('lists more than 250 workflows across pages', async () => {
			const before = (await client.listWorkflows()).length;
			for (let i = 0; i < 260; i += 20) {
				await Promise.all(Array.from({ length: 20 }, (_, j) => client.createWorkflow({ ...trigger(`bulk ${i + j}`) })));
			}
			const all = await client.listWorkflows();
			expect(all).toHaveLength(before + 260);
			expect(new Set(all.map((workflow) => workflow.id)).size).toBe(all.length);
			expect(all.filter((workflow) => workflow.name.startsWith('bulk ')).length).toBe(260);
		});
	});

	test('the 300 real-world workflows: accepted ones read back with the same content hash, refused ones say why', async () => {
		const accepted: Array<{ file: string; id: string }> = [];
		const refused: Array<{ file: string; reason: string }> = [];
		for (const { file, workflow } of corpusWorkflows()) {
			try {
				const created = await client.createWorkflow(workflow);
				accepted.push({ file, id: created.id });
			} catch (error) {
				expect(error).toBeInstanceOf(N8nError);
				expect((error as N8nError).status).toBe(400);
				expect((error as N8nError).message).toMatch(/^n8n "prod" answered with an error — HTTP 400: \S/);
				refused.push({ file, reason: (error as N8nError).message });
			}
		}
		const reasons = new Map<string, number>();
		for (const { reason } of refused) {
			const detail = reason.replace(/^.*HTTP 400: /, '');
			// "Workflow structure is invalid. connections.<id> (unknown_connection_source): …" → its code.
			const code = detail.match(/\((\w+)\):/)?.[1];
			const key = code ? `${detail.split('.')[0]}: ${code}` : detail.replace(/nodes\/\d+/, 'nodes/<n>');
			reasons.set(key, (reasons.get(key) ?? 0) + 1);
		}
		console.log(
			`n8n ${target.version}: ${accepted.length} accepted, ${refused.length} refused\n${[...reasons].map(([r, n]) => `  ${n} × ${r}`).join('\n')}`,
		);
		expect({ accepted: accepted.length, refused: refused.length }).toEqual(EXPECTED_CORPUS[target.major]);

		const byFile = new Map(corpusWorkflows().map(({ file, workflow }) => [file, workflow]));
		const major = await client.majorVersion();
		for (const { file, id } of accepted) {
			const original = byFile.get(file)!;
			const read = await client.getWorkflow(id);
			// The content hash survives the round trip: what n8n gives back hashes as what it was sent.
			expect({ file, hash: contentHash(read) }).toEqual({
				file,
				hash: contentHash(writableBody(original, major) as WorkflowInput),
			});
			expect(read.name).toBe(original.name);
			expect(read.nodes.map((node) => node.name).sort()).toEqual(original.nodes.map((node) => node.name).sort());
			expect(read.connections).toEqual(original.connections);
		}
	});
});
