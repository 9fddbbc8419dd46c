import { contentHash } from '../../service/domain/workflows/normalize';
import { N8nClient } from '../../service/n8n/client';
import { type Companion, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(600_000);

describe.each(selectedTargets())('inventory sync from n8n $version', (target) => {
	let n8n: N8nInstance;
	let companion: Companion;
	let token: string;

	beforeAll(async () => {
		[n8n, companion] = await Promise.all([startN8n({ target, name: 'inventory' }), startCompanion()]);
		token = await companion.token('admin');
	});
	afterAll(async () => {
		await n8n?.stop();
		await companion?.close();
	});

	test('every workflow, with its tags and the same content hash as n8n’s own answer', async () => {
		const client = new N8nClient({ name: 'inventory', baseUrl: n8n.baseUrl, apiKey: n8n.apiKey });
		for (const { workflow } of corpusWorkflows().slice(0, 60))
			await client.createWorkflow(workflow).catch(() => undefined);
		for (let i = 0; i < 260; i++)
			await client.createWorkflow({ name: `filler ${i}`, nodes: [], connections: {}, settings: {} });
		const live = await client.listWorkflows();

		const environment = (
			await companion.api(token, 'POST', '/api/v1/environments', {
				name: 'n8n',
				baseUrl: n8n.baseUrl,
				class: 'prod',
				apiKey: n8n.apiKey,
			})
		).body;
		const { final } = await syncAndFollow(companion, token, environment.id);
		expect(final).toMatchObject({
			status: 'succeeded',
			result: { workflows: live.length, pages: Math.ceil(live.length / 250) },
		});
		// 2.x lists credentials (none here); 1.x's public API has no credential list.
		expect(final.result.credentials).toBe(target.major === '2' ? 0 : null);

		const inventory: any[] = [];
		for (let cursor: string | null = null; ;) {
			const { body }: { body: any } = await companion.api(
				token,
				'GET',
				`/api/v1/environments/${environment.id}/workflows?limit=250${cursor ? `&cursor=${cursor}` : ''}`,
			);
			inventory.push(...body.data);
			if (!(cursor = body.nextCursor)) break;
		}
		expect(inventory).toHaveLength(live.length);
		const byId = new Map(inventory.map((row) => [row.id, row]));
		for (const workflow of live) expect(byId.get(workflow.id)?.contentHash).toBe(contentHash(workflow));
	});
});
