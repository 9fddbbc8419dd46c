import type { ChangeStep } from '../changes/executor';
import { referencedWorkflowIds } from '../workflows/workflow-refs';
import { PLACEHOLDER } from './identity';
import type { Plan, PlanItem } from './plan';
import type { PlannedWrite } from './plan-item';

/**
 * The promotion's writes in the order they can be made: creates first, each after the created
 * workflows it runs or names (children first); then updates; deletes last. Each step keeps the plan
 * item it writes (`planned`).
 */
export function orderedSteps(plan: Plan, writes: Map<string, PlannedWrite>): Map<ChangeStep, PlannedWrite | undefined> {
	const items = plan.items.filter((item) => item.action !== 'none');
	const creates = new Map(
		items.filter((item) => item.action === 'create').map((item) => [PLACEHOLDER(item.sourceWorkflowId!), item]),
	);
	const ordered: PlanItem[] = [];
	const visited = new Set<PlanItem>();
	const visit = (item: PlanItem) => {
		if (visited.has(item)) return;
		visited.add(item);
		for (const ref of referencedWorkflowIds(writes.get(item.sourceWorkflowId!)!.written)) {
			const child = creates.get(ref);
			if (child) visit(child);
		}
		ordered.push(item);
	};
	for (const item of creates.values()) visit(item);
	ordered.push(
		...items.filter((item) => item.action === 'update'),
		...items.filter((item) => item.action === 'delete'),
	);
	return new Map(
		ordered.map((item) => {
			const planned = item.sourceWorkflowId ? writes.get(item.sourceWorkflowId) : undefined;
			const step: ChangeStep = {
				action: item.action as ChangeStep['action'],
				workflowId: item.targetWorkflowId,
				name: item.name,
				workflow: planned?.written,
				...(item.action === 'create' && { key: PLACEHOLDER(item.sourceWorkflowId!) }),
				...(item.action !== 'delete' && { tags: item.tags }),
			};
			return [step, planned];
		}),
	);
}
