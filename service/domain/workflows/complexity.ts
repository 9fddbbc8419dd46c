import type { N8nWorkflow } from '../../n8n/workflow-body';
import { isTriggerNode } from './risk';
import { CALLING_TYPES } from './workflow-refs';

const STICKY_NOTE = 'n8n-nodes-base.stickyNote';
const CODE_TYPES = new Set([
	'n8n-nodes-base.code',
	'n8n-nodes-base.function',
	'n8n-nodes-base.functionItem',
	'@n8n/n8n-nodes-langchain.code',
	'@n8n/n8n-nodes-langchain.toolCode',
]);

/** What a workflow is made of, at a glance. */
export interface Complexity {
	/** Nodes, sticky notes aside. */
	nodes: number;
	disabled: number;
	triggers: string[];
	credentials: Array<{ type: string; name: string }>;
	/** The hosts HTTP Request nodes call; `(expression)` where the URL is computed when it runs. */
	httpHosts: string[];
	codeNodes: string[];
	/** Nodes that run another workflow. */
	subWorkflowCalls: string[];
	errorWorkflow: string | null;
}

export function complexityOf(workflow: N8nWorkflow): Complexity {
	const nodes = (workflow.nodes ?? []).filter((node) => node.type !== STICKY_NOTE);
	const credentials = new Map<string, { type: string; name: string }>();
	for (const node of nodes)
		for (const [type, credential] of Object.entries(node.credentials ?? {})) {
			const name = typeof credential === 'string' ? credential : credential?.name;
			if (name) credentials.set(`${type}\n${name}`, { type, name });
		}
	const errorWorkflow = workflow.settings?.errorWorkflow;
	return {
		nodes: nodes.length,
		disabled: nodes.filter((node) => node.disabled).length,
		triggers: nodes.filter((node) => isTriggerNode(node.type)).map((node) => node.name),
		credentials: [...credentials.values()],
		httpHosts: [
			...new Set(
				nodes.filter((node) => node.type === 'n8n-nodes-base.httpRequest').map((node) => hostOf(node.parameters?.url)),
			),
		].filter((host): host is string => host !== undefined),
		codeNodes: nodes.filter((node) => CODE_TYPES.has(node.type)).map((node) => node.name),
		subWorkflowCalls: nodes.filter((node) => CALLING_TYPES.has(node.type)).map((node) => node.name),
		errorWorkflow: typeof errorWorkflow === 'string' && errorWorkflow ? errorWorkflow : null,
	};
}

function hostOf(url: unknown): string | undefined {
	if (typeof url !== 'string' || !url.trim()) return undefined;
	if (url.startsWith('=')) return '(expression)';
	try {
		return new URL(url).host;
	} catch {
		return undefined;
	}
}
