import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { workflowPicture } from '../../service/http/ui/workflow-picture';

const node = (id: string, name: string, type: string, position: [number, number], extra = {}) => ({
	id,
	name,
	type,
	typeVersion: 1,
	position,
	parameters: {},
	...extra,
});

const workflow = {
	id: 'w',
	name: 'w',
	active: false,
	nodes: [
		node('a', 'Start', 'n8n-nodes-base.manualTrigger', [-200, 100]),
		node('b', 'Call', 'n8n-nodes-base.httpRequest', [40, 100], { disabled: true }),
		node('c', 'Note', 'n8n-nodes-base.stickyNote', [-1000, -1000]),
		node('d', 'Done', 'n8n-nodes-base.noOp', [280, 300]),
	],
	// One connection by name, one by id (as some exports have it), one to a node that is not there.
	connections: {
		Start: { main: [[{ node: 'Call', type: 'main', index: 0 }]] },
		b: { main: [[{ node: 'Done', type: 'main', index: 0 }], [{ node: 'Gone', type: 'main', index: 0 }]] },
	},
	settings: {},
} as unknown as N8nWorkflow;

test('nodes sit where n8n places them, moved so the leftmost and topmost are at the margin; sticky notes aside', () => {
	const picture = workflowPicture(workflow, new Set(['Call']));
	expect(
		picture.nodes.map(({ name, x, y, kind, disabled, trigger, changed }) => [
			name,
			x,
			y,
			kind,
			disabled,
			trigger,
			changed,
		]),
	).toEqual([
		['Start', 24, 24, 'manualTrigger', false, true, false],
		['Call', 264, 24, 'httpRequest', true, false, true],
		['Done', 504, 224, 'noOp', false, false, false],
	]);
	expect([picture.width, picture.height]).toEqual([504 + 150 + 24, 224 + 56 + 24]);
});

test('each connection is a curve from the output of one box to the input of the next, marked when it touches a change', () => {
	const picture = workflowPicture(workflow, new Set(['Done']));
	expect(picture.edges).toEqual([
		{ d: 'M174 52 C219 52 219 52 264 52', changed: false },
		{ d: 'M414 52 C459 52 459 252 504 252', changed: true },
	]);
});

test('an empty workflow is an empty picture', () => {
	const picture = workflowPicture({ ...workflow, nodes: [], connections: {} });
	expect(picture).toMatchObject({ nodes: [], edges: [], width: 174, height: 80 });
});
