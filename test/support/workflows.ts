import crypto from 'node:crypto';
import type { N8nWorkflow, WorkflowInput } from '../../service/n8n/workflow-body';

/** `wf-<i>`: one HTTP Request node calling `<url>/<i>`; other fields as given. */
export const httpWorkflow = (
	i: number,
	url = 'https://erp.example.com',
	fields: Partial<N8nWorkflow> = {},
): N8nWorkflow => ({
	id: `wf-${i}`,
	name: `Workflow ${i}`,
	active: false,
	nodes: [
		{
			id: 'h',
			name: 'Call',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4,
			position: [0, 0],
			parameters: { url: `${url}/${i}` },
		},
	],
	connections: {},
	settings: {},
	...fields,
});

/** A workflow with a daily Schedule Trigger: one n8n can publish (activate). */
export const scheduledWorkflow = (name: string): WorkflowInput => ({
	name,
	nodes: [
		{
			id: 's',
			name: 'Every day',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: { rule: { interval: [{ field: 'days' }] } },
		},
	],
	connections: {},
	settings: {},
});

/** Runs the workflow `calls` through an Execute Workflow node, and has it as its error workflow. */
export const callerOf = (name: string, calls: string): WorkflowInput => ({
	name,
	nodes: [
		{
			id: 'x',
			name: 'Run sub-workflow',
			type: 'n8n-nodes-base.executeWorkflow',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: { workflowId: { __rl: true, mode: 'id', value: calls } },
		},
	],
	connections: {},
	settings: { errorWorkflow: calls },
});

/** Webhook `path` (answering with the last node's output) → `node`. */
export const webhookWorkflow = (
	name: string,
	path: string,
	node: { name: string; type: string; typeVersion: number; parameters: object },
) =>
	({
		name,
		nodes: [
			{
				id: 'hook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: crypto.randomUUID(),
				parameters: { path, httpMethod: 'POST', responseMode: 'lastNode' },
			},
			{ id: 'next', position: [300, 0], ...node },
		],
		connections: { Webhook: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	}) as WorkflowInput;
