import type { Transaction } from 'kysely';
import type { Database, PromotionsTable } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import type { AuditContext } from '../audit/audit-log';
import { startChangeJob } from '../changes/change-job';
import { beginChange } from '../changes/change-log';
import type { RecoveredChange } from '../changes/recovery';
import type { AppliedStep, ChangeStep } from '../changes/executor';
import { setBaselineEntries } from '../drift/baselines';
import { getEnvironmentRow, n8nTarget } from '../environments/environments';
import { type GitDeps, getGitMirror } from '../environments/git-mirror';
import { pushSnapshot } from '../snapshots/git-snapshots';
import { conflict, DomainError, messageOf } from '../errors';
import { INTERRUPTED, type Job } from '../jobs/jobs';
import { snapshotWorkflows } from '../snapshots/compare';
import { createSnapshot } from '../snapshots/snapshots';
import type { SyncDeps } from '../workflows/inventory-sync';
import { contentHash } from '../workflows/normalize';
import { linkPromoted } from './links';
import { type Plan, planWithWrites } from './plan';
import type { PlannedWrite } from './plan-item';
import type { PlanRequest } from './plan-request';
import { orderedSteps } from './steps';
import {
	announce,
	audit,
	getPromotion,
	type Promotion,
	promotionRow,
	recordTargetCheck,
	refuseOutsideWindows,
} from './promotions';
import type { Stage } from './pipelines';
import { transition } from './states';

/**
 * Runs an approved promotion as a job. Before anything is written, the gates again: the stage's
 * windows, the plan made anew (the source or target changed since the approval: plan_stale), the
 * target's drift check; any of them unanswerable refuses. Then, one change at a time per target: a
 * snapshot of the target's affected workflows, each write in dependency order (read back and checked),
 * and on success the target's baseline and the canonical links; on failure everything is undone.
 */
export async function executePromotion(
	deps: SyncDeps & GitDeps,
	context: AuditContext,
	id: string,
): Promise<{ promotion: Promotion; job: Job }> {
	const row = await promotionRow(deps.db, id);
	if (row.status === 'FAILED')
		throw conflict('The promotion failed and its undo did not finish: roll it back to run the undo again');
	if (row.status !== 'APPROVED') transition(row.status, 'RUNNING', 'executed');
	const stage = JSON.parse(row.stage) as Stage;
	refuseOutsideWindows(stage);
	const { plan, writes } = await planWithWrites(deps, JSON.parse(row.request) as PlanRequest);
	if (plan.planHash !== row.plan_hash)
		throw conflict(
			'The source or the target changed since this promotion was planned (plan_stale): cancel it and request a new one',
			{ reason: 'plan_stale', planHash: plan.planHash, approvedPlanHash: row.plan_hash },
		);
	if (plan.blockers.length)
		throw new DomainError(
			'unprocessable',
			`The promotion is blocked now: ${plan.blockers.map((blocker) => blocker.message).join('; ')}`,
			{ blockers: plan.blockers },
		);
	if (stage.requireTargetInSync) await recordTargetCheck(deps, context, plan);
	const target = await getEnvironmentRow(deps.db, row.target_environment_id);
	const change = await deps.db.transaction().execute(async (trx) => {
		const begun = await beginChange(trx, {
			kind: 'promotion',
			environmentId: target.id,
			subject: `promotion:${id}`,
			description: `promotion ${id}`,
			replicaId: deps.replicaId,
		});
		const started = await trx
			.updateTable('promotions')
			.set({ status: 'RUNNING', updated_at: new Date().toISOString() })
			.where('id', '=', id)
			.where('status', '=', 'APPROVED')
			.executeTakeFirst();
		if (!started.numUpdatedRows) throw conflict('The promotion is already running or has run');
		await audit(trx, context, 'promotion.execute', row, { planHash: row.plan_hash, writes: plan.summary.writes });
		return begun;
	});
	const client = deps.n8nClient(n8nTarget(deps, target));
	const job = await startChangeJob(
		deps,
		{ kind: 'promotion.execute', environmentId: target.id, createdBy: context.actor.id, subject: `promotion:${id}` },
		change,
		client,
		async (report, run) => {
			const planned = orderedSteps(plan, writes);
			const steps = [...planned.keys()];
			try {
				await report({ stage: 'snapshot of the target' });
				const affected = plan.items.flatMap((item) =>
					item.action !== 'none' && item.targetWorkflowId ? [item.targetWorkflowId] : [],
				);
				const safety = await run.takeSafetySnapshot(
					createSnapshot(deps, context, {
						environmentId: target.id,
						workflowIds: affected.length ? affected : undefined,
						label: `Before promotion ${id}`,
						reason: row.reason,
					}),
				);
				const before = await snapshotWorkflows(deps.db, safety.id);
				refuseChangedSincePlan(plan, before);
				const applied = await run.apply(before, steps, (done, next) =>
					report({
						stage: 'promoting',
						total: steps.length,
						done,
						current: next.name,
						safetySnapshotId: safety.id,
						ifInterrupted: `the promotion was writing to "${target.name}" (${done} of ${steps.length} done); the companion undoes it at its next start, or another replica at once`,
					}),
				);
				let completed: string[] = [];
				await run.finish(async (trx) => {
					await recordCompleted(trx, context, row, plan, planned, applied, target.baseline_approved_at !== null);
					completed = await announce(trx, deps.events, 'promotion.completed', id);
				});
				deps.events.dispatch(completed);
				const mirrored = await mirrorPromoted(deps, context, target.id, id);
				return { safetySnapshotId: safety.id, written: applied.length, ...mirrored };
			} catch (error) {
				const { failedStep, reason, undoFailures } = await run.failure(error);
				await recordEnded(deps, context, row, { failedStep, reason, undoFailures });
				throw new DomainError(
					'unprocessable',
					`${failedStep ? `Promoting "${failedStep}" failed` : 'The promotion stopped'}: ${reason}. ` +
						(undoFailures.length
							? `Could not undo: ${undoFailures.join('; ')}.`
							: `Nothing was left changed in "${target.name}".`),
				);
			}
		},
	);
	return { promotion: await getPromotion(deps.db, id), job };
}

/**
 * With a Git mirror on the target: one commit of the environment as the promotion left it (a snapshot
 * of it, pushed). The promotion stands whatever happens here; a push that fails is said in the result.
 */
async function mirrorPromoted(
	deps: SyncDeps & GitDeps,
	context: AuditContext,
	environmentId: string,
	id: string,
): Promise<{ gitCommit?: string; gitError?: string }> {
	if (!(await getGitMirror(deps.db, environmentId))) return {};
	try {
		const after = await createSnapshot(deps, context, { environmentId, label: `After promotion ${id}`, reason: '' });
		return { gitCommit: (await pushSnapshot(deps, context, after.id)).commitSha };
	} catch (error) {
		return { gitError: `the promotion is done, but its commit to the Git mirror failed: ${messageOf(error)}` };
	}
}

/** The target workflows must still be as planned: a hand edit since then stops the promotion unwritten. */
function refuseChangedSincePlan(plan: Plan, before: Map<string, N8nWorkflow>): void {
	const changed = plan.items.filter((item) => {
		if (item.action === 'none' || !item.targetWorkflowId) return false;
		const now = before.get(item.targetWorkflowId);
		return !now || contentHash(now) !== item.targetContentHash;
	});
	if (changed.length)
		throw new Error(
			`the target changed since the plan (${changed.map((item) => `"${item.name}"`).join(', ')}): plan_stale, request a new promotion`,
		);
}

/** A completed promotion: its status, the target's baseline for what it wrote, the canonical links. */
async function recordCompleted(
	trx: Transaction<Database>,
	context: AuditContext,
	row: PromotionsTable,
	plan: Plan,
	planned: Map<ChangeStep, PlannedWrite | undefined>,
	applied: AppliedStep[],
	hasBaseline: boolean,
): Promise<void> {
	const entries = await linkPromoted(trx, row, planned, applied);
	if (hasBaseline)
		await setBaselineEntries(
			trx,
			context,
			row.target_environment_id,
			entries,
			applied.filter(({ step }) => step.action === 'delete').map(({ id }) => id),
		);
	await trx
		.updateTable('promotions')
		.set({ status: 'COMPLETED', updated_at: new Date().toISOString() })
		.where('id', '=', row.id)
		.execute();
	await audit(trx, context, 'promotion.complete', row, {
		written: applied.map(({ step, id }) => ({ action: step.action, workflowId: id, name: step.name })),
		unchanged: plan.items.length - applied.length,
		baselineUpdated: hasBaseline,
	});
}

/** A promotion that stopped: ROLLED_BACK when everything it wrote was undone, else FAILED. */
export async function recordEnded(
	deps: SyncDeps,
	context: AuditContext,
	row: PromotionsTable,
	outcome: { failedStep?: string; reason: string; undoFailures: string[] },
): Promise<void> {
	const status = outcome.undoFailures.length ? 'FAILED' : 'ROLLED_BACK';
	const recorded = await deps.db.transaction().execute(async (trx) => {
		await trx
			.updateTable('promotions')
			.set({ status, updated_at: new Date().toISOString() })
			.where('id', '=', row.id)
			.execute();
		await audit(trx, context, status === 'FAILED' ? 'promotion.fail' : 'promotion.rollback', row, outcome);
		return announce(trx, deps.events, status === 'FAILED' ? 'promotion.failed' : 'promotion.rolled_back', row.id);
	});
	deps.events.dispatch(recorded);
}

/** A promotion whose run the companion's restart undid (see recoverChanges). */
export async function endInterruptedPromotion(
	deps: SyncDeps,
	context: AuditContext,
	{ change, undoFailures }: RecoveredChange,
): Promise<void> {
	const row = await promotionRow(deps.db, change.subject.slice('promotion:'.length));
	await recordEnded(deps, context, row, { reason: INTERRUPTED, undoFailures });
}
