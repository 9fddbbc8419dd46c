import type { ChangeStep } from '../changes/executor';
import { referencedWorkflowIds } from '../workflows/workflow-refs';
import { PLACEHOLDER } from './identity';
import type { Plan, PlanItem } from './plan';
import type { PlannedWrite } from './plan-item';

/**
 * The promotion's writes in the order they can be made: creates first, each after the created
 * workflows it runs or names (children first); then updates; deletes last. New workflows that name
 * one another (A runs B, B's error workflow is A) cannot all be created knowing the others' ids: the
 * one created first is written again once they exist. Each step keeps the plan item it writes.
 */
export function orderedSteps(plan: Plan, writes: Map<string, PlannedWrite>): Map<ChangeStep, PlannedWrite | undefined> {
	const items = plan.items.filter((item) => item.action !== 'none');
	const creates = new Map(
		items.filter((item) => item.action === 'create').map((item) => [PLACEHOLDER(item.sourceWorkflowId!), item]),
	);
	const ordered: PlanItem[] = [];
	const visited = new Set<PlanItem>();
	const rewritten = new Set<PlanItem>();
	const visit = (item: PlanItem) => {
		if (visited.has(item)) return;
		visited.add(item);
		for (const ref of referencedWorkflowIds(writes.get(item.sourceWorkflowId!)!.written)) {
			const child = creates.get(ref);
			if (child && visited.has(child) && !ordered.includes(child)) rewritten.add(item);
			else if (child) visit(child);
		}
		ordered.push(item);
	};
	for (const item of creates.values()) visit(item);
	const stepOf = (item: PlanItem): [ChangeStep, PlannedWrite | undefined] => {
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
	};
	// Written again under the id its create got (the executor maps the key to it).
	const rewriteOf = (item: PlanItem): [ChangeStep, PlannedWrite] => {
		const planned = writes.get(item.sourceWorkflowId!)!;
		return [
			{ action: 'update', workflowId: PLACEHOLDER(item.sourceWorkflowId!), name: item.name, workflow: planned.written },
			planned,
		];
	};
	return new Map([
		...ordered.map(stepOf),
		...[...rewritten].map(rewriteOf),
		...items.filter((item) => item.action === 'update').map(stepOf),
		...items.filter((item) => item.action === 'delete').map(stepOf),
	]);
}
