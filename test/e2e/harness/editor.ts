import type { N8nWorkflow } from '../../../service/n8n/workflow-body';
import type { N8nInstance } from './instance';

/**
 * n8n's own editor API (`/rest/workflows` with the owner's cookie): it saves what the editor saves,
 * node keys the public API refuses on write included.
 */
async function editor(n8n: N8nInstance, method: string, path: string, body: unknown): Promise<N8nWorkflow> {
	const response = await fetch(`${n8n.baseUrl}/rest/workflows${path}`, {
		method,
		headers: { cookie: n8n.cookie, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`editor ${method} /rest/workflows${path}: HTTP ${response.status} ${text}`);
	return (JSON.parse(text) as { data: N8nWorkflow }).data;
}

export const editorCreate = (n8n: N8nInstance, workflow: Omit<N8nWorkflow, 'id' | 'active'>) =>
	editor(n8n, 'POST', '', { ...workflow, active: false });

/** Saves a change as the editor does: the whole workflow with the version it was read at. */
export async function editorUpdate(
	n8n: N8nInstance,
	id: string,
	change: (workflow: N8nWorkflow) => Partial<N8nWorkflow>,
): Promise<N8nWorkflow> {
	const response = await fetch(`${n8n.baseUrl}/rest/workflows/${id}`, { headers: { cookie: n8n.cookie } });
	const current = ((await response.json()) as { data: N8nWorkflow }).data;
	return editor(n8n, 'PATCH', `/${id}`, { versionId: current.versionId, ...change(current) });
}

/**
 * An HTTP Request node as n8n's editor stores it, with keys the public API returns but refuses on
 * write (2.40.7 refuses `extendsCredential`; its schema lacks the others too).
 */
export const editorHttpNode = (url: string) => ({
	id: 'editor-http',
	name: 'Call ERP',
	type: 'n8n-nodes-base.httpRequest',
	typeVersion: 4.2,
	position: [0, 0] as [number, number],
	parameters: { url, authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth' },
	extendsCredential: 'httpHeaderAuth',
	rewireOutputLogTo: 'main',
	forceCustomOperation: { resource: 'record', operation: 'get' },
});

/**
 * A workflow whose Execute Workflow node runs `child`: picked from the list (a resource locator) from
 * typeVersion 1.1, a plain id before; with `child` as its error workflow unless said otherwise.
 */
export const editorParentOf = (
	name: string,
	child: { id: string; name: string },
	{ typeVersion = 1.2, errorWorkflow = true } = {},
) => ({
	name,
	nodes: [
		{
			id: 'run',
			name: 'Run child',
			type: 'n8n-nodes-base.executeWorkflow',
			typeVersion,
			position: [0, 0] as [number, number],
			parameters: {
				workflowId:
					typeVersion >= 1.1
						? {
								__rl: true,
								mode: 'list',
								value: child.id,
								cachedResultName: child.name,
								cachedResultUrl: `/workflow/${child.id}`,
							}
						: child.id,
			},
		},
	],
	connections: {},
	settings: { executionOrder: 'v1', ...(errorWorkflow && { errorWorkflow: child.id }) },
});

/** A workflow as the editor saves it: one HTTP Request node calling `url`, with `credential` if given. */
export const editorMadeWorkflow = (
	name: string,
	url = 'https://erp.example.com',
	credential?: { id: string; name: string },
) => ({
	name,
	nodes: [{ ...editorHttpNode(url), ...(credential && { credentials: { httpHeaderAuth: credential } }) }],
	connections: {},
	settings: { executionOrder: 'v1' },
});
