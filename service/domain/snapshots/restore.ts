import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError } from '../errors';
import type { Job } from '../jobs/jobs';
import type { SyncDeps } from '../workflows/inventory-sync';
import { currentIds, recordRecreated } from '../workflows/workflow-identity';
import { referencedWorkflowIds } from '../workflows/workflow-refs';
import { startChangeJob } from '../changes/change-job';
import { beginChange } from '../changes/change-log';
import { type AppliedStep, ChangeFailed, type ChangeStep } from '../changes/executor';
import { type ComparedWorkflow, compareWorkflowSets, liveWorkflows, snapshotWorkflows } from './compare';
import { createSnapshot, getSnapshotRow } from './snapshots';

export const restoreRequestSchema = z.object({
	workflowIds: z
		.array(z.string().min(1))
		.min(1)
		.max(1000)
		.optional()
		.describe('only these workflows (ids in the snapshot or live); all when absent'),
	reason: z.string().trim().max(2000).default('').describe('why (recorded in the audit log)'),
});
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;

export type RestoreAction = 'create' | 'update' | 'delete' | 'none';

export interface RestoreItem extends ComparedWorkflow {
	/** What restore does: create what the snapshot has and live lacks, update, delete what it lacks. */
	action: RestoreAction;
	/** It names a workflow the restore re-created: it is written again with the new id. */
	remapsReferences?: true;
}

/** Where restore leads: the workflows wanted, and whether that is every workflow (so others go). */
export interface RestoreSource {
	environmentId: string;
	/** What the restore comes from, for its job (e.g. "snapshot:<id>", "incident:<id>"). */
	subject: string;
	/** Shown in messages and the audit log, e.g. `snapshot "before release"`. */
	description: string;
	workflows: Map<string, N8nWorkflow>;
	complete: boolean;
}

const ACTION_OF = { ADDED: 'create', MODIFIED: 'update', DELETED: 'delete', UNCHANGED: 'none' } as const;
const STEP_ORDER: Record<RestoreAction, number> = { create: 0, update: 1, none: 1, delete: 2 };

/**
 * A workflow the restore re-creates gets a new id: the others of the plan that name it (calls, error
 * workflow) are written too, with the new id, even when nothing else of theirs changed.
 */
function withReferrersOfRecreated(plan: RestoreItem[], wanted: Map<string, N8nWorkflow>): RestoreItem[] {
	const recreated = new Set(plan.filter((item) => item.action === 'create').map((item) => item.workflowId));
	if (!recreated.size) return plan;
	const namesRecreated = (workflow: N8nWorkflow | undefined) =>
		workflow !== undefined && [...referencedWorkflowIds(workflow)].some((id) => recreated.has(id));
	return plan.map((item) =>
		item.action === 'none' && namesRecreated(wanted.get(item.workflowId))
			? { ...item, action: 'update', remapsReferences: true }
			: item,
	);
}

/**
 * What restoring `source` over `live` does, per workflow: the diff from live to the restored content.
 * A workflow whose content matches but whose active state does not is an update too.
 */
export function planRestore(
	live: Map<string, N8nWorkflow>,
	source: RestoreSource,
	selection?: string[],
): RestoreItem[] {
	const plan = compareWorkflowSets(live, source.workflows, { added: true, deleted: source.complete }).map((item) => ({
		...item,
		action:
			item.status === 'UNCHANGED' && item.activeBefore !== item.activeAfter
				? ('update' as const)
				: ACTION_OF[item.status],
	}));
	if (!selection) return withReferrersOfRecreated(plan, source.workflows);
	const wanted = new Set(selection);
	const unknown = selection.filter((id) => !plan.some((item) => item.workflowId === id));
	if (unknown.length)
		throw new DomainError(
			'unprocessable',
			`Neither the ${source.description} nor live n8n has: ${unknown.join(', ')}`,
			{
				workflowIds: unknown,
			},
		);
	return withReferrersOfRecreated(
		plan.filter((item) => wanted.has(item.workflowId)),
		source.workflows,
	);
}

export async function snapshotSource(deps: SyncDeps, snapshotId: string): Promise<RestoreSource> {
	const snapshot = await getSnapshotRow(deps.db, snapshotId);
	return {
		environmentId: snapshot.environment_id,
		subject: `snapshot:${snapshot.id}`,
		description: snapshot.label ? `snapshot "${snapshot.label}"` : `snapshot ${snapshot.id}`,
		workflows: await snapshotWorkflows(deps.db, snapshot.id, await currentIds(deps.db, snapshot.environment_id)),
		complete: snapshot.selective === 0,
	};
}

export async function previewRestore(
	deps: SyncDeps,
	source: RestoreSource,
	selection?: string[],
): Promise<{ workflows: RestoreItem[] }> {
	return { workflows: planRestore(await liveWorkflows(deps, source.environmentId), source, selection) };
}

/**
 * Restores `source` as a background job, one change at a time per instance: takes a snapshot of live
 * first, then writes each workflow (cleaned for the target version), reads it back and checks its
 * content hash and active state, each step recorded before and after it is sent. Any failure stops
 * the restore and undoes what it changed; a companion stopped mid-way undoes it at its next start (or
 * another replica, at once). A re-created workflow's new id is recorded. `onRestored` joins the
 * transaction that records a restore that succeeded, and follows its commit.
 */
export async function startRestore(
	deps: SyncDeps,
	context: AuditContext,
	source: RestoreSource,
	request: RestoreRequest,
	onRestored: RestoreHooks = {},
): Promise<Job> {
	const environment = await getEnvironmentRow(deps.db, source.environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	const change = await beginChange(deps.db, {
		kind: 'restore',
		environmentId: environment.id,
		subject: source.subject,
		description: `a restore from ${source.description}`,
		replicaId: deps.replicaId,
	});
	return startChangeJob(
		deps,
		{ kind: 'snapshot.restore', environmentId: environment.id, createdBy: context.actor.id, subject: source.subject },
		change,
		client,
		async (report, run) => {
			await report({ stage: 'snapshot of live' });
			const safety = await run.takeSafetySnapshot(
				createSnapshot(deps, context, {
					environmentId: environment.id,
					label: `Before restoring ${source.description}`,
					reason: request.reason,
				}),
			);
			const live = await snapshotWorkflows(deps.db, safety.id);
			const plan = planRestore(live, source, request.workflowIds);
			// Creates first, so what the others name can be mapped to their new ids; deletes last, so a
			// failure before them leaves nothing to re-create (under a new id) on undo.
			const items = plan
				.filter((item) => item.action !== 'none')
				.sort((a, b) => STEP_ORDER[a.action] - STEP_ORDER[b.action]);
			const audit = (trx: Transaction<Database>, outcome: string, extra: Record<string, unknown> = {}) =>
				appendAudit(trx, context, {
					action: 'snapshot.restore',
					resourceType: 'environment',
					resourceId: environment.id,
					environmentId: environment.id,
					metadata: {
						source: source.description,
						reason: request.reason,
						safetySnapshotId: safety.id,
						outcome,
						...extra,
					},
				});
			let applied: AppliedStep[];
			try {
				applied = await run.apply(live, items.map(stepOf(source)), (done, step) =>
					report({
						stage: 'restoring',
						total: items.length,
						done,
						current: step.name,
						safetySnapshotId: safety.id,
						ifInterrupted:
							`n8n "${environment.name}" was being restored from ${source.description} (${done} of ${items.length} ` +
							`changes made, the next to "${step.name}"); the companion undoes them at its next start, or another replica at once. ` +
							`Live n8n before the restore is in snapshot ${safety.id}.`,
					}),
				);
			} catch (error) {
				if (!(error instanceof ChangeFailed)) throw error;
				const item = items.find((candidate) => candidate.name === error.step.name)!;
				await deps.db.transaction().execute((trx) =>
					audit(trx, 'failed', {
						failedWorkflowId: item.workflowId,
						error: error.reason,
						undoFailures: error.undoFailures,
					}),
				);
				throw new DomainError(
					'unprocessable',
					`Restoring "${item.name}" (${item.workflowId}) failed: ${error.reason}. ` +
						(error.undoFailures.length
							? `Could not undo: ${error.undoFailures.join('; ')}. Live n8n before the restore is in snapshot ${safety.id}.`
							: 'Nothing was left changed: every change the restore had made was undone.'),
				);
			}
			const restored = summarize(items, applied);
			await run.finish(async (trx) => {
				for (const [i, done] of applied.entries())
					if (items[i].action === 'create')
						await recordRecreated(trx, environment.id, items[i].workflowId, done.readBack!);
				await onRestored.inTransaction?.(trx, restored);
				await audit(trx, 'succeeded', restored);
			});
			// The restore succeeded and is recorded; what follows it (an event) cannot undo that.
			await onRestored.afterCommit?.().catch(() => undefined);
			return { safetySnapshotId: safety.id, ...restored, unchanged: plan.length - items.length };
		},
	);
}

/**
 * The write a restore item makes, with the workflow's tags; a created workflow is named by its
 * snapshot id until it exists.
 */
const stepOf =
	(source: RestoreSource) =>
	(item: RestoreItem): ChangeStep => {
		const wanted = source.workflows.get(item.workflowId);
		return {
			action: item.action as ChangeStep['action'],
			workflowId: item.action === 'create' ? null : item.workflowId,
			name: item.name,
			workflow: wanted,
			...(item.action === 'create' && { key: item.workflowId }),
			activeOnly: item.action === 'update' && item.status === 'UNCHANGED' && !item.remapsReferences,
			// The tags it had, where the export says (n8n keeps them apart from the workflow).
			...(item.action !== 'delete' && wanted?.tags && { tags: wanted.tags.map((tag) => tag.name) }),
		};
	};

export type RestoreSummary = ReturnType<typeof summarize>;

export interface RestoreHooks {
	inTransaction?: (trx: Transaction<Database>, restored: RestoreSummary) => Promise<void>;
	afterCommit?: () => Promise<void>;
}

function summarize(items: RestoreItem[], applied: AppliedStep[]) {
	const done = applied.map(({ id }, i) => ({ item: items[i], id }));
	const ids = (action: RestoreAction) => done.filter((step) => step.item.action === action);
	return {
		created: ids('create').map((step) => ({ workflowId: step.item.workflowId, newId: step.id, name: step.item.name })),
		updated: ids('update').map((step) => step.id),
		/** Updated only to name re-created workflows by their new ids. */
		remapped: ids('update')
			.filter((step) => step.item.remapsReferences)
			.map((step) => step.id),
		deleted: ids('delete').map((step) => step.id),
	};
}
