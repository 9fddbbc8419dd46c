import type { Db } from '../../db/database';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { diffWorkflows, type WorkflowDiff } from '../workflows/diff';
import { canonicalIds } from '../workflows/inventory';
import { currentIds } from '../workflows/workflow-identity';
import { mapWorkflowRefs } from '../workflows/workflow-refs';
import { getSnapshotRow } from './snapshots';

export type CompareStatus = 'UNCHANGED' | 'MODIFIED' | 'ADDED' | 'DELETED';

export interface ComparedWorkflow {
	workflowId: string;
	name: string;
	/** From one side to the other: ADDED exists only on the other side, DELETED only on the first. */
	status: CompareStatus;
	risk: WorkflowDiff['risk'];
	reasons: string[];
	/** Whether the workflow is active on each side (null where it does not exist). */
	activeBefore: boolean | null;
	activeAfter: boolean | null;
	diff?: WorkflowDiff;
}

/**
 * Every workflow from `before` to `after`, keyed by id. A side that holds only a selection says
 * nothing about the workflows it lacks: `added` / `deleted` say whether those are reported.
 */
export function compareWorkflowSets(
	before: Map<string, N8nWorkflow>,
	after: Map<string, N8nWorkflow>,
	report: { added: boolean; deleted: boolean },
): ComparedWorkflow[] {
	const compared: ComparedWorkflow[] = [];
	for (const [workflowId, old] of before) {
		const current = after.get(workflowId);
		if (!current) {
			if (report.deleted)
				compared.push({
					workflowId,
					name: old.name,
					status: 'DELETED',
					risk: 'HIGH',
					reasons: ['HIGH: the workflow is gone'],
					activeBefore: old.active,
					activeAfter: null,
				});
			continue;
		}
		const diff = diffWorkflows(old, current);
		const active = { activeBefore: old.active, activeAfter: current.active };
		compared.push(
			diff.changes.length
				? {
						workflowId,
						name: current.name,
						status: 'MODIFIED',
						risk: diff.risk,
						reasons: diff.reasons,
						...active,
						diff,
					}
				: { workflowId, name: current.name, status: 'UNCHANGED', risk: null, reasons: [], ...active },
		);
	}
	if (report.added) {
		for (const [workflowId, current] of after) {
			if (!before.has(workflowId))
				compared.push({
					workflowId,
					name: current.name,
					status: 'ADDED',
					risk: 'HIGH',
					reasons: ['HIGH: a workflow the other side does not have'],
					activeBefore: null,
					activeAfter: current.active,
				});
		}
	}
	return compared.sort((a, b) => a.name.localeCompare(b.name));
}

/** The snapshot against the environment's live workflows, or against another snapshot. */
export async function compareSnapshot(
	deps: EnvironmentDeps,
	id: string,
	withSnapshotId?: string,
): Promise<{ against: string; workflows: ComparedWorkflow[] }> {
	const snapshot = await getSnapshotRow(deps.db, id);
	let other: Map<string, N8nWorkflow>;
	if (withSnapshotId) {
		await getSnapshotRow(deps.db, withSnapshotId);
		other = await snapshotWorkflows(deps.db, withSnapshotId);
	} else {
		other = await liveWorkflows(deps, snapshot.environment_id);
	}
	const base = await snapshotWorkflows(deps.db, id, await currentIds(deps.db, snapshot.environment_id));
	return {
		against: withSnapshotId ?? 'live',
		workflows: compareWorkflowSets(base, other, { added: snapshot.selective === 0, deleted: true }),
	};
}

export async function liveWorkflows(deps: EnvironmentDeps, environmentId: string): Promise<Map<string, N8nWorkflow>> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const workflows = await deps
		.n8nClient(n8nTarget(deps, environment))
		.listWorkflows((await canonicalIds(deps.db, environmentId)).keys());
	return new Map(workflows.map((workflow) => [workflow.id, workflow]));
}

/** The workflows a snapshot holds, exactly as n8n returned them, keyed by id (mapped by `idOf`). */
export async function snapshotWorkflows(
	db: Db,
	id: string,
	idOf: (id: string) => string = (same) => same,
): Promise<Map<string, N8nWorkflow>> {
	const rows = await db
		.selectFrom('snapshot_items')
		.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'snapshot_items.raw_hash')
		.select(['snapshot_items.n8n_id', 'workflow_blobs.raw'])
		.where('snapshot_id', '=', id)
		.execute();
	// Under the ids the workflows have now, naming one another by those ids too.
	return new Map(rows.map((row) => [idOf(row.n8n_id), mapWorkflowRefs(JSON.parse(row.raw) as N8nWorkflow, idOf)]));
}
