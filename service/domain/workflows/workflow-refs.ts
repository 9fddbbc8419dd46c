import type { WorkflowInput } from '../../n8n/workflow-body';

const EXECUTE_WORKFLOW_TYPES = new Set(['n8n-nodes-base.executeWorkflow', 'n8n-nodes-base.executeWorkflowTrigger']);

/**
 * The workflow with every id by which it names another workflow passed through `ref`: its error
 * workflow, the callers it allows, and the workflow each Execute Workflow node runs (a plain id, or a
 * resource locator in "id" mode; an expression is left as it is). The input is not changed.
 */
export function mapWorkflowRefs<W extends WorkflowInput>(workflow: W, ref: (id: string) => string): W {
	const settings: Record<string, unknown> = { ...(workflow.settings ?? {}) };
	if (typeof settings.errorWorkflow === 'string') settings.errorWorkflow = ref(settings.errorWorkflow);
	if (typeof settings.callerIds === 'string') {
		settings.callerIds = settings.callerIds
			.split(',')
			.map((id) => id.trim())
			.filter(Boolean)
			.map(ref)
			.join(',');
	}
	return {
		...workflow,
		...(workflow.settings && { settings }),
		nodes: (workflow.nodes ?? []).map((node) =>
			EXECUTE_WORKFLOW_TYPES.has(node.type)
				? { ...node, parameters: mapExecutedWorkflow(node.parameters ?? {}, ref) }
				: node,
		),
	};
}

/** The ids of the workflows `workflow` names. */
export function referencedWorkflowIds(workflow: WorkflowInput): Set<string> {
	const ids = new Set<string>();
	mapWorkflowRefs(workflow, (id) => (ids.add(id), id));
	return ids;
}

function mapExecutedWorkflow(
	parameters: Record<string, unknown>,
	ref: (id: string) => string,
): Record<string, unknown> {
	const id = parameters.workflowId;
	if (typeof id === 'string' && !id.startsWith('=')) return { ...parameters, workflowId: ref(id) };
	if (id && typeof id === 'object' && (id as { mode?: unknown }).mode === 'id') {
		const locator = id as { value?: unknown };
		if (typeof locator.value === 'string')
			return { ...parameters, workflowId: { ...locator, value: ref(locator.value) } };
	}
	return parameters;
}
