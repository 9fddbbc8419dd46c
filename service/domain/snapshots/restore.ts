import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError } from '../errors';
import type { Job } from '../jobs/jobs';
import type { SyncDeps } from '../workflows/inventory-sync';
import { describeChanges, diffWorkflows } from '../workflows/diff';
import { contentHash } from '../workflows/normalize';
import { currentIds, recordMove } from '../workflows/workflow-moves';
import { mapWorkflowRefs, referencedWorkflowIds } from '../workflows/workflow-refs';
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

interface Done {
	item: RestoreItem;
	/** The id the workflow has after the step (new for a re-created one). */
	id: string;
	/** Live as it was before the step; absent for a workflow restore created. */
	before?: N8nWorkflow;
}

/**
 * Restores `source` as a background job: takes a snapshot of live first, then writes each workflow
 * (cleaned for the target version), reads it back and checks its content hash and active state.
 * A re-created workflow's new id is recorded. Any failure stops the restore, undoes what it changed,
 * and the job fails naming the workflow and the reason. `onRestored` joins the transaction that records
 * a restore that succeeded, and follows its commit.
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
	return deps.jobs.start(
		{
			kind: 'snapshot.restore',
			environmentId: environment.id,
			createdBy: context.actor.id,
			subject: source.subject,
			onlyOne: `A restore into "${environment.name}" is already running`,
		},
		async (report) => {
			await report({ stage: 'snapshot of live' });
			const safety = await createSnapshot(deps, context, {
				environmentId: environment.id,
				label: `Before restoring ${source.description}`,
				reason: request.reason,
			});
			const live = await snapshotWorkflows(deps.db, safety.id);
			const plan = planRestore(live, source, request.workflowIds);
			// Creates first, so what the others name can be mapped to their new ids; deletes last, so a
			// failure before them leaves nothing to re-create (under a new id) on undo.
			const steps = plan
				.filter((item) => item.action !== 'none')
				.sort((a, b) => STEP_ORDER[a.action] - STEP_ORDER[b.action]);
			const moves = new Map<string, string>();
			const done: Done[] = [];
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
						...summarize(done),
						...extra,
					},
				});
			for (const item of steps) {
				await report({
					stage: 'restoring',
					total: steps.length,
					done: done.length,
					current: item.name,
					safetySnapshotId: safety.id,
					ifInterrupted:
						`n8n "${environment.name}" may be partly restored from ${source.description}: ${done.length} of ${steps.length} ` +
						`changes were made, the next was to "${item.name}". Live n8n before the restore is in snapshot ${safety.id}: restore it to go back.`,
				});
				try {
					const wanted = source.workflows.get(item.workflowId);
					const mapped = wanted && mapWorkflowRefs(wanted, (id) => moves.get(id) ?? id);
					await restoreOne(client, item, live.get(item.workflowId), mapped, done);
					if (item.action === 'create') moves.set(item.workflowId, done.at(-1)!.id);
				} catch (error) {
					const reason = error instanceof Error ? error.message : String(error);
					const undoFailures = await undo(client, done, (from, to) => recordMove(deps.db, environment.id, from, to));
					await deps.db
						.transaction()
						.execute((trx) => audit(trx, 'failed', { failedWorkflowId: item.workflowId, error: reason, undoFailures }));
					throw new DomainError(
						'unprocessable',
						`Restoring "${item.name}" (${item.workflowId}) failed: ${reason}. ` +
							(undoFailures.length
								? `Could not undo: ${undoFailures.join('; ')}. Live n8n before the restore is in snapshot ${safety.id}.`
								: 'Nothing was left changed: every change the restore had made was undone.'),
					);
				}
			}
			await deps.db.transaction().execute(async (trx) => {
				for (const step of done) {
					if (step.item.action === 'create') await recordMove(trx, environment.id, step.item.workflowId, step.id);
				}
				await onRestored.inTransaction?.(trx, summarize(done));
				await audit(trx, 'succeeded');
			});
			// The restore succeeded and is recorded; what follows it (an event) cannot undo that.
			await onRestored.afterCommit?.().catch(() => undefined);
			return { safetySnapshotId: safety.id, ...summarize(done), unchanged: plan.length - steps.length };
		},
	);
}

/** Writes one workflow and checks it; each change to n8n is pushed onto `done` as it is made. */
async function restoreOne(
	client: N8nClient,
	item: RestoreItem,
	before: N8nWorkflow | undefined,
	wanted: N8nWorkflow | undefined,
	done: Done[],
): Promise<void> {
	if (item.action === 'delete') {
		await client.deleteWorkflow(item.workflowId);
		done.push({ item, id: item.workflowId, before });
		return;
	}
	const target = wanted!;
	let id = item.workflowId;
	if (item.action === 'create') id = (await client.createWorkflow(target)).id;
	else if (item.status === 'MODIFIED' || item.remapsReferences) await client.updateWorkflow(id, target);
	done.push({ item, id, before });
	if (target.active !== (before?.active ?? false)) await client.setActive(id, target.active);
	await verify(client, id, target);
}

/** Reads the workflow back and checks what could be written of it, and its active state. */
async function verify(client: N8nClient, id: string, wanted: N8nWorkflow): Promise<void> {
	const readBack = await client.getWorkflow(id);
	const [written, read] = [await client.writable(wanted), await client.writable(readBack)];
	if (contentHash(read) !== contentHash(written))
		throw new Error(`it read back different from what was written: ${describeChanges(diffWorkflows(written, read))}`);
	if (readBack.active !== wanted.active)
		throw new Error(
			`it read back ${readBack.active ? 'active' : 'inactive'}, not ${wanted.active ? 'active' : 'inactive'}`,
		);
}

/**
 * Puts back what the steps changed, last first; returns what could not be undone. A deleted workflow
 * comes back under a new id, and what is put back after it names it by that id.
 */
async function undo(
	client: N8nClient,
	done: Done[],
	moved: (from: string, to: string) => Promise<void>,
): Promise<string[]> {
	const failures: string[] = [];
	const moves = new Map<string, string>();
	const asBefore = (before: N8nWorkflow) => mapWorkflowRefs(before, (id) => moves.get(id) ?? id);
	for (const { item, id, before } of [...done].reverse()) {
		try {
			if (!before) {
				await client.deleteWorkflow(id);
			} else if (item.action === 'delete') {
				const recreated = await client.createWorkflow(asBefore(before));
				if (before.active) await client.setActive(recreated.id, true);
				moves.set(item.workflowId, recreated.id);
				await moved(item.workflowId, recreated.id);
			} else {
				if (item.status === 'MODIFIED' || item.remapsReferences) await client.updateWorkflow(id, asBefore(before));
				const current = await client.getWorkflow(id);
				if (current.active !== before.active) await client.setActive(id, before.active);
			}
		} catch (error) {
			failures.push(`"${item.name}" (${item.workflowId}): ${error instanceof Error ? error.message : String(error)}`);
		}
	}
	return failures;
}

export type RestoreSummary = ReturnType<typeof summarize>;

export interface RestoreHooks {
	inTransaction?: (trx: Transaction<Database>, restored: RestoreSummary) => Promise<void>;
	afterCommit?: () => Promise<void>;
}

function summarize(done: Done[]) {
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
