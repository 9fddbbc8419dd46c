import type { N8nWorkflow } from '../../n8n/workflow-body';
import { referencedWorkflowIds } from '../workflows/workflow-refs';
import type { Blocker, PlanItem, Substitution } from './plan';

/** Where a source workflow goes in the target, and what it becomes there. */
export interface Placed {
	source: N8nWorkflow;
	canonicalId: string | null;
	target: N8nWorkflow | undefined;
	link: PlanItem['link'];
	dependency: boolean;
	blockers: Blocker[];
}

/** The id a workflow the promotion creates is named by until it exists. */
export const PLACEHOLDER = (sourceId: string) => `created-by-promotion:${sourceId}`;

export interface IdentityInput {
	sourceLive: N8nWorkflow[];
	targetLive: N8nWorkflow[];
	/** n8n id → canonical id, in each environment's inventory. */
	sourceCanonical: Map<string, string>;
	targetCanonical: Map<string, string>;
	/** Canonical ids a promotion has linked across environments. */
	linked: Set<string>;
	targetName: string;
}

/**
 * Which target workflow each selected source workflow is: the one a promotion linked it to, else the
 * one unlinked target workflow of the same name, else none (it is created). With dependencies, the
 * workflows the selection runs or names that the target lacks join it.
 */
export function placeSelection(input: IdentityInput, selected: N8nWorkflow[], includeDependencies: boolean) {
	const { sourceLive, targetLive, sourceCanonical, targetCanonical, linked: linkedCanonicals } = input;
	const targetByCanonical = new Map<string, N8nWorkflow>();
	for (const workflow of targetLive) {
		const canonicalId = targetCanonical.get(workflow.id);
		if (canonicalId) targetByCanonical.set(canonicalId, workflow);
	}
	const sourceById = new Map(sourceLive.map((workflow) => [workflow.id, workflow]));

	/** The target workflow a source workflow already is (linked), or the one its name proposes. */
	const place = (workflow: N8nWorkflow, dependency: boolean): Placed => {
		const canonicalId = sourceCanonical.get(workflow.id) ?? null;
		const linked = canonicalId ? targetByCanonical.get(canonicalId) : undefined;
		if (linked) return { source: workflow, canonicalId, target: linked, link: 'linked', dependency, blockers: [] };
		const named = targetLive.filter(
			(candidate) => candidate.name === workflow.name && !linkedCanonicals.has(targetCanonical.get(candidate.id) ?? ''),
		);
		if (named.length > 1)
			return {
				source: workflow,
				canonicalId,
				target: undefined,
				link: null,
				dependency,
				blockers: [
					{
						code: 'name_ambiguous',
						workflowId: workflow.id,
						message: `"${input.targetName}" has ${named.length} workflows named "${workflow.name}" (${named.map((candidate) => candidate.id).join(', ')}) and none is linked to it: rename or remove all but one`,
						candidates: named.map((candidate) => candidate.id),
					},
				],
			};
		return {
			source: workflow,
			canonicalId,
			target: named[0],
			link: named[0] ? 'by_name' : 'new',
			dependency,
			blockers: [],
		};
	};

	const placed = new Map<string, Placed>();
	for (const workflow of selected) placed.set(workflow.id, place(workflow, false));
	// Sub-workflows and error workflows the selection names: where the target has none, they join the plan.
	for (let added = true; added && includeDependencies;) {
		added = false;
		for (const { source: workflow } of [...placed.values()]) {
			for (const id of referencedWorkflowIds(workflow)) {
				const child = sourceById.get(id);
				if (placed.has(id) || !child) continue;
				const childPlace = place(child, true);
				if (childPlace.target || childPlace.blockers.length) continue;
				placed.set(id, childPlace);
				added = true;
			}
		}
	}

	const targetIdOf = (sourceId: string): { id: string; how: Substitution['how'] } | undefined => {
		const entry = placed.get(sourceId);
		if (entry?.target) return { id: entry.target.id, how: entry.link === 'linked' ? 'link' : 'name_link' };
		if (entry) return { id: PLACEHOLDER(sourceId), how: 'created_by_promotion' };
		const child = sourceById.get(sourceId);
		const elsewhere = child && place(child, true);
		if (elsewhere?.target) return { id: elsewhere.target.id, how: elsewhere.link === 'linked' ? 'link' : 'name_link' };
		return undefined;
	};
	return { placed, sourceById, targetIdOf };
}
