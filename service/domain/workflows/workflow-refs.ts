import type { N8nNode, WorkflowInput } from '../../n8n/workflow-body';

/** Nodes that run another workflow of the same instance, chosen by its id. */
export const CALLING_TYPES = new Set(['n8n-nodes-base.executeWorkflow', '@n8n/n8n-nodes-langchain.toolWorkflow']);

/** A place where a workflow names another one in a way that cannot be followed to an id. */
export interface RefProblem {
	node: string;
	/** expression: chosen when it runs; other_source: not from this instance's database; invalid: no id at all. */
	kind: 'expression' | 'other_source' | 'invalid';
	value: unknown;
}

const WORKFLOW_URL_ID = /\/workflow\/([^/?#]+)/;

/**
 * The workflow with every id by which it names another workflow passed through `ref`: its error
 * workflow, the callers it allows, and the workflow each Execute Workflow or Workflow Tool node runs
 * (a plain id, or a resource locator by id, from the list or by URL, its cached URL included). What
 * cannot be followed (an expression, another source, no id) is left as it is and reported to
 * `problem`. The input is not changed.
 */
export function mapWorkflowRefs<W extends WorkflowInput>(
	workflow: W,
	ref: (id: string, where: string) => string,
	problem: (found: RefProblem) => void = () => undefined,
): W {
	const settings: Record<string, unknown> = { ...(workflow.settings ?? {}) };
	if (typeof settings.errorWorkflow === 'string' && settings.errorWorkflow)
		settings.errorWorkflow = ref(settings.errorWorkflow, 'settings.errorWorkflow');
	if (typeof settings.callerIds === 'string') {
		settings.callerIds = settings.callerIds
			.split(',')
			.map((id) => id.trim())
			.filter(Boolean)
			.map((id) => ref(id, 'settings.callerIds'))
			.join(',');
	}
	return {
		...workflow,
		...(workflow.settings && { settings }),
		nodes: (workflow.nodes ?? []).map((node) =>
			CALLING_TYPES.has(node.type) ? { ...node, parameters: mapCalledWorkflow(node, ref, problem) } : node,
		),
	};
}

/** The ids of the workflows `workflow` names. */
export function referencedWorkflowIds(workflow: WorkflowInput): Set<string> {
	const ids = new Set<string>();
	mapWorkflowRefs(workflow, (id) => (ids.add(id), id));
	return ids;
}

/** The places in `workflow` that name a workflow in a way that cannot be followed. */
export function workflowRefProblems(workflow: WorkflowInput): RefProblem[] {
	const problems: RefProblem[] = [];
	mapWorkflowRefs(
		workflow,
		(id) => id,
		(found) => problems.push(found),
	);
	return problems;
}

const isInvalidId = (id: string) => !id.trim() || id.includes('${');

function mapCalledWorkflow(
	node: N8nNode,
	ref: (id: string, where: string) => string,
	problem: (found: RefProblem) => void,
): Record<string, unknown> {
	const parameters = node.parameters ?? {};
	const { source, workflowId } = parameters as { source?: unknown; workflowId?: unknown };
	if (source !== undefined && source !== 'database') {
		problem({ node: node.name, kind: 'other_source', value: source });
		return parameters;
	}
	if (workflowId === undefined) return parameters;
	if (typeof workflowId === 'string') {
		if (workflowId.startsWith('=')) problem({ node: node.name, kind: 'expression', value: workflowId });
		else if (isInvalidId(workflowId)) problem({ node: node.name, kind: 'invalid', value: workflowId });
		else return { ...parameters, workflowId: ref(workflowId, node.name) };
		return parameters;
	}
	if (!workflowId || typeof workflowId !== 'object') {
		problem({ node: node.name, kind: 'invalid', value: workflowId });
		return parameters;
	}
	const locator = workflowId as { mode?: unknown; value?: unknown; cachedResultUrl?: unknown };
	const value = locator.value;
	if (typeof value === 'string' && value.startsWith('=')) {
		problem({ node: node.name, kind: 'expression', value });
		return parameters;
	}
	const id = locator.mode === 'url' && typeof value === 'string' ? WORKFLOW_URL_ID.exec(value)?.[1] : value;
	if (typeof id !== 'string' || isInvalidId(id)) {
		problem({ node: node.name, kind: 'invalid', value });
		return parameters;
	}
	const mapped = ref(id, node.name);
	const inUrl = (url: unknown) =>
		typeof url === 'string'
			? url.replace(WORKFLOW_URL_ID, (whole, old: string) => (old === id ? `/workflow/${mapped}` : whole))
			: url;
	return {
		...parameters,
		workflowId: {
			...locator,
			value: locator.mode === 'url' ? inUrl(value) : mapped,
			...(locator.cachedResultUrl !== undefined && { cachedResultUrl: inUrl(locator.cachedResultUrl) }),
		},
	};
}
