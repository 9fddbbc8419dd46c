import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database, PromotionsTable } from '../../db/schema';
import { listedOf } from '../../n8n/list-page';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import type { AuditContext } from '../audit/audit-log';
import { startChangeJob } from '../changes/change-job';
import { beginChange, changeSteps, latestChangeFor, reopenChange, type StepRow } from '../changes/change-log';
import { type ChangeStep, createdBy, undoChange } from '../changes/executor';
import { setBaselineEntries, storeContent } from '../drift/baselines';
import { getEnvironmentRow, n8nTarget } from '../environments/environments';
import { conflict, DomainError } from '../errors';
import type { Job } from '../jobs/jobs';
import { snapshotWorkflows } from '../snapshots/compare';
import { publishedView } from '../drift/published';
import { createSnapshot } from '../snapshots/snapshots';
import { recordRecreated } from '../workflows/workflow-identity';
import type { SyncDeps } from '../workflows/inventory-sync';
import { contentHash } from '../workflows/normalize';
import { recordEnded } from './execute';
import type { PlanItem } from './plan';
import { announce, audit, getPromotion, type Promotion, promotionRow } from './promotions';
import { transition } from './states';

export const rollbackSchema = z
	.object({
		reason: z.string().trim().max(2000).default('').describe('why (recorded in the audit log)'),
		overrideHotfixes: z
			.array(z.string().min(1))
			.max(1000)
			.default([])
			.describe('target workflow ids changed since the promotion whose change the rollback may overwrite'),
	})
	.strict();
export type RollbackRequest = z.infer<typeof rollbackSchema>;

/**
 * Rolls a promotion back, as a job. A COMPLETED one: a rollback promotion of its own (linked to it)
 * puts back what its pre-promotion snapshot holds for each workflow it updated or deleted and deletes
 * what it created; a workflow changed in the target since is a TARGET_HOTFIX that refuses it unless
 * overridden. A FAILED one (its undo did not finish): the undo is run again.
 */
export async function rollbackPromotion(
	deps: SyncDeps,
	context: AuditContext,
	id: string,
	request: RollbackRequest,
): Promise<{ promotion: Promotion; job: Job }> {
	const row = await promotionRow(deps.db, id);
	if (row.status === 'FAILED') return retryUndo(deps, context, row);
	transition(row.status, 'ROLLED_BACK', 'rolled back');
	if (row.rollback_of) throw conflict('This promotion is itself a rollback: promote the workflows again to go forward');
	const applied = await latestChangeFor(deps.db, `promotion:${id}`);
	const steps = (await changeSteps(deps.db, applied!.id)).filter((step) => step.state === 'done');
	const was = await snapshotWorkflows(deps.db, applied!.safety_snapshot_id!);
	const target = await getEnvironmentRow(deps.db, row.target_environment_id);
	const client = deps.n8nClient(n8nTarget(deps, target));
	// What the promotion left in each workflow it wrote: its last step's read-back.
	const left = new Map(
		steps.flatMap((step) => (step.action === 'delete' ? [] : [[step.result_id!, step.expected_hash]])),
	);
	const live = new Map((await client.listWorkflows(left.keys())).map((workflow) => [workflow.id, workflow]));
	const blockers = [];
	for (const [workflowId, hash] of left) {
		const now = live.get(workflowId);
		if (!now || request.overrideHotfixes.includes(now.id)) continue;
		if (contentHash(await client.writable(now)) !== hash)
			blockers.push({
				code: 'target_hotfix',
				targetWorkflowId: now.id,
				message: `"${now.name}" was changed in "${target.name}" since the promotion wrote it: list ${now.id} in overrideHotfixes to put it back anyway`,
			});
	}
	if (blockers.length)
		throw new DomainError(
			'unprocessable',
			`The rollback is blocked: ${blockers.map((blocker) => blocker.message).join('; ')}`,
			{ blockers },
		);
	const created = createdBy(steps);
	const reversed = steps
		.reverse()
		.filter((step) => !(step.action === 'update' && created.has(step.workflow_id!)))
		.flatMap((step) => undoing(step, live, was));
	const rollback = rollbackRow(row, context, request, reversed);
	const change = await deps.db.transaction().execute(async (trx) => {
		const begun = await beginChange(trx, {
			kind: 'promotion_rollback',
			environmentId: target.id,
			subject: `promotion:${rollback.id}`,
			description: `the rollback of promotion ${id}`,
			replicaId: deps.replicaId,
		});
		await trx.insertInto('promotions').values(rollback).execute();
		await audit(trx, context, 'promotion.rollback.request', row, {
			rollbackId: rollback.id,
			reason: request.reason,
			...(request.overrideHotfixes.length && { overrideHotfixes: request.overrideHotfixes }),
		});
		return begun;
	});
	const job = await startChangeJob(
		deps,
		{ kind: 'promotion.rollback', environmentId: target.id, createdBy: context.actor.id, subject: `promotion:${id}` },
		change,
		client,
		async (report, run) => {
			try {
				const touched = reversed.flatMap((step) => (step.workflowId ? [step.workflowId] : []));
				const safety = await run.takeSafetySnapshot(
					createSnapshot(deps, context, {
						environmentId: target.id,
						workflowIds: touched.length ? touched : undefined,
						label: `Before rolling back promotion ${id}`,
						reason: request.reason,
					}),
				);
				const done = await run.apply(await snapshotWorkflows(deps.db, safety.id), reversed, (count, next) =>
					report({ stage: 'rolling back', total: reversed.length, done: count, current: next.name }),
				);
				const restored = await storeContent(
					deps.db,
					done.flatMap((step) => (step.readBack ? [listedOf(step.readBack)] : [])),
				);
				let rolledBack: string[] = [];
				await run.finish(async (trx) => {
					for (const { step, readBack } of done)
						if (step.action === 'create') await recordRecreated(trx, target.id, step.key!, readBack!);
					if (target.baseline_approved_at)
						await setBaselineEntries(
							trx,
							context,
							target.id,
							restored,
							done.filter(({ step }) => step.action === 'delete').map(({ id: gone }) => gone),
						);
					await finishRollback(trx, context, row, rollback);
					rolledBack = await announce(trx, deps.events, 'promotion.rolled_back', id);
				});
				deps.events.dispatch(rolledBack);
				return { rollbackId: rollback.id, safetySnapshotId: safety.id, written: done.length };
			} catch (error) {
				const outcome = await run.failure(error);
				await recordEnded(deps, context, rollback, outcome);
				throw new DomainError(
					'unprocessable',
					`The rollback of promotion ${id} stopped${outcome.failedStep ? ` at "${outcome.failedStep}"` : ''}: ${outcome.reason}` +
						(outcome.undoFailures.length ? `. Could not undo: ${outcome.undoFailures.join('; ')}` : ''),
				);
			}
		},
	);
	return { promotion: await getPromotion(deps.db, rollback.id), job };
}

/** What puts back one step of the promotion: its created workflow deleted, or the content it had before. */
function undoing(step: StepRow, live: Map<string, N8nWorkflow>, was: Map<string, N8nWorkflow>): ChangeStep[] {
	if (step.action === 'create')
		return live.has(step.result_id!) ? [{ action: 'delete', workflowId: step.result_id, name: step.name }] : [];
	// What ran before it (on 2.x a draft saved since the last publish was replaced by the promotion).
	const before = publishedView(was.get(step.workflow_id!)!);
	const tags = (before.tags ?? []).map((tag) => tag.name);
	if (step.action === 'delete')
		return [{ action: 'create', workflowId: null, name: step.name, workflow: before, key: step.workflow_id!, tags }];
	return [{ action: 'update', workflowId: step.workflow_id, name: step.name, workflow: before, tags }];
}

/** The rollback, kept as a promotion of its own: target to itself, its items the steps it takes. */
function rollbackRow(
	row: PromotionsTable,
	context: AuditContext,
	request: RollbackRequest,
	steps: ChangeStep[],
): PromotionsTable {
	const now = new Date().toISOString();
	const status = { create: 'ADDED', update: 'MODIFIED', delete: 'DELETED' } as const;
	const items: PlanItem[] = steps.map((step) => ({
		status: status[step.action],
		action: step.action,
		sourceWorkflowId: null,
		targetWorkflowId: step.workflowId,
		canonicalId: null,
		name: step.name,
		risk: 'HIGH',
		reasons: [`HIGH: put back as it was before promotion ${row.id}`],
		link: null,
		dependency: false,
		substitutions: [],
		tags: step.tags ?? [],
		warnings: [],
		findings: [],
		blockers: [],
		targetContentHash: null,
		expectedContentHash: null,
	}));
	const counts = { ADDED: 0, MODIFIED: 0, DELETED: 0, UNCHANGED: 0, TARGET_HOTFIX: 0 };
	for (const item of items) counts[item.status] += 1;
	return {
		id: crypto.randomUUID(),
		source_environment_id: row.target_environment_id,
		target_environment_id: row.target_environment_id,
		pipeline_id: row.pipeline_id,
		status: 'RUNNING',
		request: JSON.stringify({ rollbackOf: row.id, ...request }),
		stage: row.stage,
		plan: JSON.stringify({ items, summary: { counts, highestRisk: 'HIGH', writes: items.length }, blockers: [] }),
		plan_hash: row.plan_hash,
		required_approvals: 0,
		reason: request.reason,
		requested_by_type: context.actor.type,
		requested_by_id: context.actor.id,
		requested_by: context.actor.name ?? context.actor.type,
		idempotency_key: null,
		request_hash: '',
		rollback_of: row.id,
		created_at: now,
		updated_at: now,
	};
}

async function finishRollback(
	trx: Transaction<Database>,
	context: AuditContext,
	original: PromotionsTable,
	rollback: PromotionsTable,
): Promise<void> {
	const now = new Date().toISOString();
	await trx
		.updateTable('promotions')
		.set({ status: 'COMPLETED', updated_at: now })
		.where('id', '=', rollback.id)
		.execute();
	await trx
		.updateTable('promotions')
		.set({ status: 'ROLLED_BACK', updated_at: now })
		.where('id', '=', original.id)
		.execute();
	await audit(trx, context, 'promotion.rollback', original, { rollbackId: rollback.id, outcome: 'completed' });
}

/** A FAILED promotion's undo, run again (one change per target still holds). */
async function retryUndo(
	deps: SyncDeps,
	context: AuditContext,
	row: PromotionsTable,
): Promise<{ promotion: Promotion; job: Job }> {
	const failed = (await latestChangeFor(deps.db, `promotion:${row.id}`))!;
	await reopenChange(deps.db, failed, deps.replicaId);
	const target = await getEnvironmentRow(deps.db, row.target_environment_id);
	const client = deps.n8nClient(n8nTarget(deps, target));
	await deps.db
		.updateTable('promotions')
		.set({ status: 'RUNNING', updated_at: new Date().toISOString() })
		.where('id', '=', row.id)
		.execute();
	const job = await deps.jobs.start(
		{
			kind: 'promotion.rollback',
			environmentId: target.id,
			createdBy: context.actor.id,
			subject: `promotion:${row.id}`,
		},
		async () => {
			const before = await snapshotWorkflows(deps.db, failed.safety_snapshot_id!);
			const undoFailures = await undoChange({ db: deps.db, client, change: failed, before }, failed.error ?? 'retried');
			await recordEnded(deps, context, row, { reason: 'the undo was run again', undoFailures });
			if (undoFailures.length) throw new DomainError('unprocessable', `Could not undo: ${undoFailures.join('; ')}`);
			return { undone: true };
		},
	);
	return { promotion: await getPromotion(deps.db, row.id), job };
}
