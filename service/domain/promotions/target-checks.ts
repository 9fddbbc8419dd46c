import type { Db } from '../../db/database';
import type { EnvironmentRow } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { baselineWorkflows } from '../drift/baselines';
import { baselineIndex, compareWithBaseline } from '../drift/drift-check';
import { publishedView } from '../drift/published';
import { diffWorkflows, type WorkflowDiff } from '../workflows/diff';
import { contentHash } from '../workflows/normalize';
import type { Stage } from './pipelines';
import type { Blocker, PlanItem } from './plan';
import type { PlanRequest } from './plan-request';

/** The hand edit of a target workflow since its baseline, if any. */
export async function hotfixOf(
	db: Db,
	target: EnvironmentRow,
	baseline: Awaited<ReturnType<typeof baselineIndex>> | undefined,
	current: N8nWorkflow,
): Promise<{ why: string; diff?: WorkflowDiff } | undefined> {
	if (!baseline) return undefined;
	const approved = baseline.get(current.id);
	if (!approved) return { why: 'it was made there by hand: its baseline does not have it' };
	const running = publishedView(current);
	if (approved.contentHash === contentHash(running)) return undefined;
	const approvedContent = (await baselineWorkflows(db, target.id, [current.id])).get(current.id);
	const diff = approvedContent && diffWorkflows(approvedContent, running);
	return {
		why: `it was edited there by hand since its baseline (${diff?.reasons.join('; ') || 'content changed'})`,
		diff,
	};
}

/** Target workflows a promotion linked before whose source workflow is gone: shown, removed only when the stage archives. */
export function deletedItems(
	request: PlanRequest,
	stage: Stage,
	sourceCanonical: Map<string, string>,
	targetLive: N8nWorkflow[],
	targetCanonical: Map<string, string>,
	linked: Set<string>,
): PlanItem[] {
	if (!request.changedOnly) return [];
	const inSource = new Set(sourceCanonical.values());
	return targetLive
		.filter((workflow) => {
			const canonicalId = targetCanonical.get(workflow.id);
			return canonicalId && linked.has(canonicalId) && !inSource.has(canonicalId);
		})
		.map((workflow) => ({
			status: 'DELETED',
			action: stage.deletions === 'archive' ? 'delete' : 'none',
			sourceWorkflowId: null,
			targetWorkflowId: workflow.id,
			targetContentHash: contentHash(workflow),
			canonicalId: targetCanonical.get(workflow.id)!,
			name: workflow.name,
			risk: 'HIGH',
			reasons: ['HIGH: the source no longer has this workflow'],
			link: 'linked',
			dependency: false,
			substitutions: [],
			tags: [],
			warnings:
				stage.deletions === 'archive'
					? ['it will be unpublished, then deleted; the pre-promotion snapshot keeps it']
					: ['shown only: this stage reports deletions and never applies them'],
			blockers: [],
			findings: [],
			expectedContentHash: null,
		}));
}

/** With the target required in sync: its drift outside the plan blocks, unless the stage allows it. */
export async function driftElsewhere(
	db: Db,
	target: EnvironmentRow,
	live: N8nWorkflow[],
	items: PlanItem[],
	stage: Stage,
): Promise<Blocker[]> {
	if (!target.baseline_approved_at)
		return [
			{
				code: 'target_no_baseline',
				message: `"${target.name}" has no approved baseline, so hand edits there cannot be told apart: approve its current state first`,
			},
		];
	if (stage.allowDriftElsewhere) return [];
	const touched = new Set(items.map((item) => item.targetWorkflowId).filter(Boolean));
	const { items: drift } = await compareWithBaseline(db, target.id, await baselineIndex(db, target.id), live);
	const elsewhere = drift.filter((item) => item.status !== 'DRAFT_CHANGED' && !touched.has(item.workflowId));
	if (!elsewhere.length) return [];
	return [
		{
			code: 'target_drift',
			message: `"${target.name}" has drifted from its baseline outside this promotion: ${elsewhere.map((item) => `"${item.name}" (${item.status.toLowerCase()})`).join(', ')}. Resolve the drift, or allow drift elsewhere on the stage`,
			workflows: elsewhere.map((item) => ({ workflowId: item.workflowId, name: item.name, status: item.status })),
		},
	];
}
