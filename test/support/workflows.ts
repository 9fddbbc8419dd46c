import type { N8nWorkflow } from '../../service/n8n/workflow-body';

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
