import { diffWorkflows } from '../../service/domain/workflows/diff';
import type { WorkflowInput } from '../../service/n8n/workflow-body';
import { corpusWorkflows } from '../support/corpus';

const base = (): WorkflowInput => ({
	name: 'Orders',
	settings: { executionOrder: 'v1', timezone: 'UTC' },
	nodes: [
		{
			id: 'w',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			parameters: { path: 'orders', httpMethod: 'POST' },
		},
		{
			id: 'i',
			name: 'Is paid',
			type: 'n8n-nodes-base.if',
			typeVersion: 2,
			position: [200, 0],
			parameters: { conditions: { value: 'paid' } },
		},
		{
			id: 'c',
			name: 'Shape',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [400, 0],
			parameters: { jsCode: 'return items;' },
		},
		{
			id: 'h',
			name: 'Post to ERP',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [600, 0],
			parameters: { url: 'https://erp.example.com/orders', method: 'POST' },
			credentials: { httpHeaderAuth: { id: '1', name: 'ERP key' } },
		},
		{
			id: 's',
			name: 'Tell Slack',
			type: 'n8n-nodes-base.slack',
			typeVersion: 2,
			position: [800, 0],
			parameters: { channel: '#orders', text: '=Order {{$json.id}}' },
		},
	],
	connections: {
		Webhook: { main: [[{ node: 'Is paid', type: 'main', index: 0 }]] },
		'Is paid': { main: [[{ node: 'Shape', type: 'main', index: 0 }], []] },
		Shape: { main: [[{ node: 'Post to ERP', type: 'main', index: 0 }]] },
		'Post to ERP': { main: [[{ node: 'Tell Slack', type: 'main', index: 0 }]] },
	},
});

const node = (workflow: WorkflowInput, name: string) => workflow.nodes.find((n) => n.name === name)!;

test.each<[string, (w: WorkflowInput) => void, string, string, string?]>([
	[
		'an HTTP Request URL',
		(w) => (node(w, 'Post to ERP').parameters.url = 'https://evil.example.com'),
		'HIGH',
		'http',
		'parameters.url',
	],
	[
		'a swapped credential',
		(w) => (node(w, 'Post to ERP').credentials = { httpHeaderAuth: { id: '2', name: 'Other key' } }),
		'HIGH',
		'credentials',
		'credentials',
	],
	['the trigger', (w) => (node(w, 'Webhook').parameters.path = 'orders-v2'), 'HIGH', 'trigger', 'parameters.path'],
	['code', (w) => (node(w, 'Shape').parameters.jsCode = 'return [];'), 'HIGH', 'code', 'parameters.jsCode'],
	[
		'an expression',
		(w) => (node(w, 'Tell Slack').parameters.text = '=Paid {{$json.id}}'),
		'HIGH',
		'expression',
		'parameters.text',
	],
	[
		'a routing condition',
		(w) => (node(w, 'Is paid').parameters.conditions = { value: 'refunded' }),
		'HIGH',
		'routing',
		'parameters.conditions.value',
	],
	[
		'a connection',
		(w) => (w.connections['Is paid'] = { main: [[], [{ node: 'Shape', type: 'main', index: 0 }]] }),
		'HIGH',
		'routing',
		'',
	],
	['a disabled node', (w) => (node(w, 'Shape').disabled = true), 'HIGH', 'routing', 'disabled'],
	[
		'a plain parameter',
		(w) => (node(w, 'Tell Slack').parameters.channel = '#sales'),
		'MEDIUM',
		'parameters',
		'parameters.channel',
	],
	[
		'error handling',
		(w) => (node(w, 'Post to ERP').onError = 'continueErrorOutput'),
		'MEDIUM',
		'error-handling',
		'onError',
	],
	[
		'retries',
		(w) => Object.assign(node(w, 'Post to ERP'), { retryOnFail: true, maxTries: 5 }),
		'MEDIUM',
		'error-handling',
		'',
	],
	['a setting', (w) => (w.settings!.timezone = 'Europe/Berlin'), 'MEDIUM', 'settings', 'timezone'],
	['the error workflow', (w) => (w.settings!.errorWorkflow = 'err'), 'MEDIUM', 'error-handling', 'errorWorkflow'],
	['notes', (w) => (node(w, 'Shape').notes = 'maps fields'), 'LOW', 'notes', 'notes'],
	['the workflow name', (w) => (w.name = 'Orders (EU)'), 'LOW', 'rename', ''],
])('%s → %s/%s', (_what, change, risk, category, path) => {
	const after = base();
	change(after);
	const diff = diffWorkflows(base(), after);
	expect(diff.risk).toBe(risk);
	expect(diff.changes.map((c) => c.category)).toContain(category);
	expect(diff.changes.every((c) => c.category === category)).toBe(true);
	if (path) expect(diff.changes.map((c) => c.path)).toContain(path);
	expect(diff.reasons[0]).toMatch(new RegExp(`^${risk} ${category}: `));
});

test('a renamed node alone is LOW/rename: its connections follow it', () => {
	const after = base();
	node(after, 'Shape').name = 'Shape order';
	after.connections['Shape order'] = after.connections.Shape;
	delete after.connections.Shape;
	after.connections['Is paid'] = { main: [[{ node: 'Shape order', type: 'main', index: 0 }], []] };
	const diff = diffWorkflows(base(), after);
	expect(diff).toMatchObject({
		risk: 'LOW',
		nodes: { renamed: [{ from: 'Shape', to: 'Shape order' }], added: [], removed: [] },
	});
	expect(diff.changes).toEqual([
		expect.objectContaining({ kind: 'node-renamed', category: 'rename', before: 'Shape', after: 'Shape order' }),
	]);
});

test('a moved node is no change at all', () => {
	const after = base();
	node(after, 'Shape').position = [1234, 567];
	expect(diffWorkflows(base(), after)).toEqual({
		risk: null,
		reasons: [],
		changes: [],
		nodes: { added: [], removed: [], renamed: [], changed: [] },
	});
});

test('added and removed nodes are HIGH, with their connections', () => {
	const after = base();
	after.nodes = after.nodes.filter((n) => n.name !== 'Tell Slack');
	delete after.connections['Post to ERP'];
	after.nodes.push({
		id: 'x',
		name: 'Cron',
		type: 'n8n-nodes-base.scheduleTrigger',
		typeVersion: 1,
		position: [0, 200],
		parameters: {},
	});
	const diff = diffWorkflows(base(), after);
	expect(diff.risk).toBe('HIGH');
	expect(diff.nodes).toMatchObject({ added: ['Cron'], removed: ['Tell Slack'] });
	expect(diff.changes).toEqual(
		expect.arrayContaining([
			expect.objectContaining({ kind: 'node-removed', node: 'Tell Slack', category: 'routing' }),
			expect.objectContaining({ kind: 'node-added', node: 'Cron', category: 'trigger' }),
			expect.objectContaining({ kind: 'connection-removed', path: 'Post to ERP[main][0] → Tell Slack[main][0]' }),
		]),
	);
});

test('parameter changes carry their before and after values', () => {
	const after = base();
	node(after, 'Post to ERP').parameters.url = 'https://erp2.example.com/orders';
	expect(diffWorkflows(base(), after).changes).toEqual([
		{
			kind: 'node-changed',
			node: 'Post to ERP',
			path: 'parameters.url',
			before: 'https://erp.example.com/orders',
			after: 'https://erp2.example.com/orders',
			category: 'http',
			risk: 'HIGH',
		},
	]);
});

test('every corpus workflow diffs against itself as unchanged, and against every other of its folder without throwing', () => {
	const corpus = corpusWorkflows();
	const byFolder = new Map<string, typeof corpus>();
	for (const entry of corpus) byFolder.set(entry.folder, [...(byFolder.get(entry.folder) ?? []), entry]);
	let pairs = 0;
	for (const entries of byFolder.values()) {
		for (const a of entries) {
			expect(diffWorkflows(a.workflow, JSON.parse(JSON.stringify(a.workflow))).changes).toEqual([]);
			for (const b of entries) {
				if (a === b) continue;
				const diff = diffWorkflows(a.workflow, b.workflow);
				expect(['HIGH', 'MEDIUM', 'LOW', null]).toContain(diff.risk);
				pairs++;
			}
		}
	}
	expect(pairs).toBeGreaterThan(100);
});
