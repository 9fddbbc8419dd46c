/** Structural diff of two 200-node workflows (issue 4: target < 50 ms). */
import { performance } from 'node:perf_hooks';
import { diffWorkflows } from '../../service/domain/workflows/diff';
import type { N8nNode, WorkflowInput } from '../../service/n8n/workflow-body';

const NODES = 200;
const RUNS = 50;

function bigWorkflow(): WorkflowInput {
	const types = [
		'n8n-nodes-base.httpRequest',
		'n8n-nodes-base.code',
		'n8n-nodes-base.set',
		'n8n-nodes-base.if',
		'n8n-nodes-base.slack',
	];
	const nodes: N8nNode[] = Array.from({ length: NODES }, (_, i) => ({
		id: `id-${i}`,
		name: `Step ${i}`,
		type: types[i % types.length],
		typeVersion: 2,
		position: [i * 200, 0],
		parameters: {
			url: `https://api.example.com/items/${i}`,
			jsCode: `// step ${i}\n${'const x = items.map((item) => item.json);\n'.repeat(20)}return items;`,
			assignments: {
				assignments: Array.from({ length: 10 }, (_, j) => ({
					name: `field${j}`,
					value: `={{ $json.value${j} }}`,
					type: 'string',
				})),
			},
			options: { timeout: 10_000, retry: { enabled: true, count: 3 } },
		},
	}));
	const connections = Object.fromEntries(
		nodes.slice(0, -1).map((node, i) => [node.name, { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] }]),
	);
	return { name: 'Big', nodes, connections, settings: { executionOrder: 'v1' } };
}

const before = bigWorkflow();
const after = bigWorkflow();
for (let i = 0; i < NODES; i += 10) after.nodes[i].parameters.url = `https://api2.example.com/items/${i}`;
for (let i = 5; i < NODES; i += 40) after.nodes[i].name = `Renamed ${i}`;
after.nodes.push({
	id: 'extra',
	name: 'Extra',
	type: 'n8n-nodes-base.noOp',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
});

const times: number[] = [];
let changes = 0;
for (let run = 0; run < RUNS; run++) {
	const started = performance.now();
	changes = diffWorkflows(before, after).changes.length;
	times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(
	`diff of two ${NODES}-node workflows (${changes} changes): median ${times[RUNS / 2].toFixed(1)} ms, max ${times[RUNS - 1].toFixed(1)} ms over ${RUNS} runs`,
);
