import type { N8nNode, WorkflowInput } from '../../service/n8n/workflow-body';
import { mapWorkflowRefs, workflowRefProblems } from '../../service/domain/workflows/workflow-refs';

const node = (name: string, type: string, parameters: Record<string, unknown>, typeVersion = 1.2): N8nNode => ({
	name,
	type,
	typeVersion,
	position: [0, 0],
	parameters,
});
const workflow = (nodes: N8nNode[], settings: Record<string, unknown> = {}): WorkflowInput => ({
	name: 'w',
	nodes,
	connections: {},
	settings,
});
const moved = (id: string) => ({ old1: 'new1', old2: 'new2' })[id] ?? id;

test('every shape n8n stores a called workflow in is remapped, and no old id survives anywhere', () => {
	const input = workflow(
		[
			node('Plain', 'n8n-nodes-base.executeWorkflow', { workflowId: 'old1' }, 1),
			node('By id', 'n8n-nodes-base.executeWorkflow', { workflowId: { __rl: true, mode: 'id', value: 'old1' } }),
			node('From list', 'n8n-nodes-base.executeWorkflow', {
				source: 'database',
				workflowId: {
					__rl: true,
					mode: 'list',
					value: 'old2',
					cachedResultName: 'Child',
					cachedResultUrl: '/workflow/old2',
				},
			}),
			node('By URL', 'n8n-nodes-base.executeWorkflow', {
				workflowId: { __rl: true, mode: 'url', value: 'https://n8n.example.com/workflow/old1?x=1' },
			}),
			node('Tool', '@n8n/n8n-nodes-langchain.toolWorkflow', {
				workflowId: { __rl: true, mode: 'list', value: 'old2', cachedResultUrl: '/workflow/old2' },
			}),
		],
		{ errorWorkflow: 'old1', callerIds: 'old1, old2,other' },
	);
	const output = mapWorkflowRefs(input, moved);
	expect(JSON.stringify(output)).not.toMatch(/old[12]/);
	expect(output.nodes.map((n) => n.parameters.workflowId)).toEqual([
		'new1',
		{ __rl: true, mode: 'id', value: 'new1' },
		{ __rl: true, mode: 'list', value: 'new2', cachedResultName: 'Child', cachedResultUrl: '/workflow/new2' },
		{ __rl: true, mode: 'url', value: 'https://n8n.example.com/workflow/new1?x=1' },
		{ __rl: true, mode: 'list', value: 'new2', cachedResultUrl: '/workflow/new2' },
	]);
	expect(output.settings).toEqual({ errorWorkflow: 'new1', callerIds: 'new1,new2,other' });
	expect(JSON.stringify(input)).toMatch(/old1/); // the input is left as it was
});

test('what cannot be followed is left as it is and reported', () => {
	const input = workflow([
		node('Dynamic', 'n8n-nodes-base.executeWorkflow', { workflowId: '={{ $json.id }}' }),
		node('Dynamic locator', 'n8n-nodes-base.executeWorkflow', {
			workflowId: { __rl: true, mode: 'id', value: '={{ 1 }}' },
		}),
		node('From a file', 'n8n-nodes-base.executeWorkflow', { source: 'localFile', workflowPath: '/x.json' }),
		node('Undefined', 'n8n-nodes-base.executeWorkflow', { workflowId: '${undefined}' }),
		node('Empty', 'n8n-nodes-base.executeWorkflow', { workflowId: { __rl: true, mode: 'list', value: '' } }),
		node('Number', 'n8n-nodes-base.executeWorkflow', { workflowId: 42 }),
	]);
	expect(mapWorkflowRefs(input, () => 'changed')).toEqual(input);
	expect(workflowRefProblems(input).map((problem) => [problem.node, problem.kind])).toEqual([
		['Dynamic', 'expression'],
		['Dynamic locator', 'expression'],
		['From a file', 'other_source'],
		['Undefined', 'invalid'],
		['Empty', 'invalid'],
		['Number', 'invalid'],
	]);
});
