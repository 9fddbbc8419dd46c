import { diffWorkflows } from '../../service/domain/workflows/diff';
import { diffView, valueChange } from '../../service/http/ui/diff-view';
import { httpWorkflow } from '../support/workflows';

describe('valueChange', () => {
	test.each([
		['a short string', 'https://a', 'https://b', 'side-by-side'],
		['a number', 1, 2, 'side-by-side'],
		['an object', { id: '1' }, { id: '2' }, 'side-by-side'],
		['multi-line code', 'a\nb', 'a\nc', 'lines'],
		['a long expression', `={{ ${'$json.a + '.repeat(20)}1 }}`, '={{ 1 }}', 'lines'],
		['a value that appeared', undefined, 'x'.repeat(100), 'lines'],
	])('%s is shown %s', (_, before, after, layout) => {
		expect(valueChange(before, after).layout).toBe(layout);
	});

	test('a line diff keeps unchanged lines and marks the changed ones, the last line included', () => {
		expect(valueChange('one\ntwo\nthree', 'one\ntwo\nfour')).toEqual({
			layout: 'lines',
			lines: [
				{ op: 'same', text: 'one' },
				{ op: 'same', text: 'two' },
				{ op: 'removed', text: 'three' },
				{ op: 'added', text: 'four' },
			],
		});
	});

	test('side by side shows objects as indented JSON and an absent value as empty', () => {
		expect(valueChange(undefined, { a: 1 })).toEqual({ layout: 'side-by-side', before: '', after: '{\n  "a": 1\n}' });
	});
});

test('diffView puts node changes under their node, the rename on it, and settings and edges apart', () => {
	const before = httpWorkflow(1);
	const after = httpWorkflow(1, 'https://other.example.com', {
		name: 'Renamed',
		settings: { timezone: 'Europe/Paris' },
	});
	after.nodes[0].name = 'Call ERP';
	after.nodes.push({
		id: 'n',
		name: 'Notify',
		type: 'n8n-nodes-base.slack',
		typeVersion: 2,
		position: [1, 1],
		parameters: {},
	});
	after.connections = { 'Call ERP': { main: [[{ node: 'Notify', type: 'main', index: 0 }]] } };
	const view = diffView(diffWorkflows(before, after));
	expect(view.workflow.map((row) => row.label)).toEqual(['name', 'settings.timezone']);
	expect(view.nodes).toEqual([
		expect.objectContaining({
			name: 'Call ERP',
			state: 'changed',
			renamedFrom: 'Call',
			risk: 'HIGH',
			rows: [expect.objectContaining({ label: 'parameters.url', category: 'http' })],
		}),
		expect.objectContaining({ name: 'Notify', state: 'added', risk: 'HIGH' }),
	]);
	expect(view.connections).toEqual({ added: ['Call ERP[main][0] → Notify[main][0]'], removed: [] });
});
