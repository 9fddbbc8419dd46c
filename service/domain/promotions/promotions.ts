import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { Database, PromotionDecisionsTable, PromotionStatus, PromotionsTable } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type ChangeRow, changeSteps, latestChangeFor } from '../changes/change-log';
import { checkDrift, type DriftCheck } from '../drift/drift-check';
import { getEnvironmentRow, type EnvironmentDeps } from '../environments/environments';
import { conflict, DomainError, notFound } from '../errors';
import type { EventSink, EventType } from '../events/events';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import { canonicalJson } from '../workflows/normalize';
import type { Risk } from '../workflows/risk';
import { type Plan, planPromotion } from './plan';
import type { promotionRequestSchema } from './plan-request';
import type { Stage } from './pipelines';
import { checkDecider, type Decision, decisionFields } from '../approvals/decisions';
import { transition } from './states';
import { nextAllowed } from './windows';

export type PromotionRequest = z.infer<typeof promotionRequestSchema>;

export const promotionListSchema = pageQuerySchema.extend({
	status: z
		.enum(['PENDING_APPROVAL', 'APPROVED', 'RUNNING', 'COMPLETED', 'ROLLED_BACK', 'FAILED', 'REJECTED', 'CANCELLED'])
		.optional(),
	sourceEnvironmentId: z.string().min(1).optional(),
	targetEnvironmentId: z.string().min(1).optional(),
	requestedBy: z.string().min(1).optional().describe('the requester’s name'),
});

export interface PromotionDecision {
	decision: 'approve' | 'reject';
	by: { type: string; id: string; name: string };
	decidedBy: string | null;
	comment: string;
	planHash: string;
	at: string;
}

export interface Promotion {
	id: string;
	status: PromotionStatus;
	sourceEnvironmentId: string;
	targetEnvironmentId: string;
	pipelineId: string | null;
	stage: Stage;
	reason: string;
	requestedBy: { type: string; id: string | null; name: string };
	requiredApprovals: number;
	approvals: number;
	/** For a rollback: the completed promotion it undoes. */
	rollbackOf: string | null;
	decisions: PromotionDecision[];
	plan: Pick<Plan, 'items' | 'summary' | 'blockers' | 'planHash'>;
	/** Its run, once executed: each step and its result, and the snapshot of the target taken before. */
	execution: Execution | null;
	createdAt: string;
	updatedAt: string;
}

export interface Execution {
	status: ChangeRow['status'];
	safetySnapshotId: string | null;
	error: string | null;
	startedAt: string;
	finishedAt: string | null;
	steps: Array<{
		action: string;
		name: string;
		workflowId: string | null;
		resultId: string | null;
		state: string;
		error: string | null;
	}>;
}

/** The promotion without its items: what a list shows. */
export type PromotionSummary = Omit<Promotion, 'plan' | 'decisions' | 'execution'> & {
	summary: Plan['summary'];
	planHash: string;
};

const RISK_ORDER: Array<Risk | 'NONE'> = ['NONE', 'LOW', 'MEDIUM', 'HIGH'];

/** Approvals a plan needs under its stage: none when its highest risk is at or under the stage's ceiling. */
function approvalsNeeded(stage: Stage, plan: Plan): number {
	const risk = plan.summary.highestRisk ?? 'NONE';
	return RISK_ORDER.indexOf(risk) <= RISK_ORDER.indexOf(stage.autoApproveMaxRisk) ? 0 : stage.requiredApprovals;
}

const requestHash = (request: PromotionRequest) =>
	crypto.createHash('sha256').update(canonicalJson(request)).digest('hex');

/**
 * Stores a promotion: its plan, made now and kept as it is. A plan with blockers, outside the stage's
 * windows, or with nothing to write is refused. With an idempotency key, a retry of the same request
 * returns the promotion the first one made.
 */
export async function requestPromotion(
	deps: EnvironmentDeps & { events: EventSink },
	context: AuditContext,
	request: PromotionRequest,
	idempotencyKey?: string,
): Promise<Promotion> {
	const hash = requestHash(request);
	const earlier = await earlierRequest(deps.db, context, idempotencyKey, hash);
	if (earlier) return getPromotion(deps.db, earlier);
	const plan = await planPromotion(deps, request);
	if (plan.blockers.length)
		throw new DomainError(
			'unprocessable',
			`The promotion is blocked: ${plan.blockers.map((blocker) => blocker.message).join('; ')}`,
			{ blockers: plan.blockers },
		);
	if (!plan.summary.writes)
		throw new DomainError(
			'unprocessable',
			'Nothing to promote: the target already has every selected workflow as the source has it',
		);
	refuseOutsideWindows(plan.stage);
	const check = plan.stage.requireTargetInSync ? await recordTargetCheck(deps, context, plan) : undefined;
	const now = new Date().toISOString();
	const required = approvalsNeeded(plan.stage, plan);
	const row: PromotionsTable = {
		id: crypto.randomUUID(),
		source_environment_id: plan.sourceEnvironmentId,
		target_environment_id: plan.targetEnvironmentId,
		pipeline_id: plan.pipelineId,
		status: required ? 'PENDING_APPROVAL' : 'APPROVED',
		request: JSON.stringify(request),
		stage: JSON.stringify(plan.stage),
		plan: JSON.stringify({ items: plan.items, summary: plan.summary, blockers: plan.blockers }),
		plan_hash: plan.planHash,
		required_approvals: required,
		reason: request.reason,
		requested_by_type: context.actor.type,
		requested_by_id: context.actor.id,
		requested_by: context.actor.name ?? context.actor.type,
		idempotency_key: idempotencyKey ?? null,
		request_hash: hash,
		rollback_of: null,
		created_at: now,
		updated_at: now,
	};
	// Checked again with the insert, in one transaction: of two requests under one key at once, the
	// second returns the first's promotion.
	const { first, recorded } = await deps.db.transaction().execute(async (trx) => {
		const concurrent = await earlierRequest(trx, context, idempotencyKey, hash);
		if (concurrent) return { first: concurrent, recorded: [] };
		await trx.insertInto('promotions').values(row).execute();
		await audit(trx, context, 'promotion.request', row, {
			reason: row.reason,
			planHash: row.plan_hash,
			writes: plan.summary.writes,
			highestRisk: plan.summary.highestRisk,
			requiredApprovals: required,
			...(check && { driftCheckId: check.id }),
			...(request.overrideHotfixes.length && { overrideHotfixes: request.overrideHotfixes }),
		});
		const events = await announce(trx, deps.events, 'promotion.requested', row.id);
		if (row.status === 'PENDING_APPROVAL')
			events.push(...(await announce(trx, deps.events, 'promotion.approval_requested', row.id)));
		return { first: undefined, recorded: events };
	});
	deps.events.dispatch(recorded);
	return getPromotion(deps.db, first ?? row.id);
}

/**
 * The target's state when the promotion is asked for, kept as a drift check of its own (the plan has
 * already gated on it); none when another check of the target is running just then.
 */
export async function recordTargetCheck(
	deps: EnvironmentDeps & { events: EventSink },
	context: AuditContext,
	plan: Plan,
): Promise<DriftCheck | undefined> {
	try {
		return (await checkDrift(deps, context, plan.targetEnvironmentId, 'promotion')).check;
	} catch (error) {
		if (error instanceof DomainError && (error.details as { reason?: string } | undefined)?.reason === 'running')
			return undefined;
		throw error;
	}
}

/** The promotion an earlier request under the caller's `key` made; another request under it is a 409. */
async function earlierRequest(
	db: Db,
	context: AuditContext,
	key: string | undefined,
	hash: string,
): Promise<string | undefined> {
	if (!key) return undefined;
	const earlier = await db
		.selectFrom('promotions')
		.select(['id', 'request_hash'])
		.where('requested_by_type', '=', context.actor.type)
		.where('requested_by_id', '=', context.actor.id)
		.where('idempotency_key', '=', key)
		.executeTakeFirst();
	if (earlier && earlier.request_hash !== hash)
		throw conflict('This Idempotency-Key was used for another promotion request: use a new key for a new request');
	return earlier?.id;
}

export function refuseOutsideWindows(stage: Stage): void {
	const now = new Date();
	const next = nextAllowed(stage.windows, now);
	if (next?.getTime() === now.getTime()) return;
	throw new DomainError(
		'unprocessable',
		next
			? `The stage's windows do not allow promotions now; the next allowed time is ${next.toISOString()}`
			: 'The stage’s windows allow no promotion within the next year',
		{ nextAllowedAt: next?.toISOString() ?? null },
	);
}

/** An admin's approval; never the requester's, once per person, on the plan as it was requested. */
export async function approvePromotion(
	deps: { db: Db; events: EventSink },
	context: AuditContext,
	id: string,
	decision: Decision,
): Promise<Promotion> {
	return decide(deps, context, id, 'approve', decision);
}

export async function rejectPromotion(
	deps: { db: Db; events: EventSink },
	context: AuditContext,
	id: string,
	decision: Decision,
): Promise<Promotion> {
	return decide(deps, context, id, 'reject', decision);
}

/** A decision, and with it the event it makes (approved once the last approval is in, or rejected). */
async function decide(
	{ db, events }: { db: Db; events: EventSink },
	context: AuditContext,
	id: string,
	decision: 'approve' | 'reject',
	input: Decision,
): Promise<Promotion> {
	const recorded = await db.transaction().execute(async (trx) => {
		const row = await promotionRow(trx, id);
		const doing = decision === 'approve' ? 'approved' : 'rejected';
		transition(row.status, decision === 'approve' ? 'APPROVED' : 'REJECTED', doing);
		const earlier = await trx
			.selectFrom('promotion_decisions')
			.select('decision')
			.where('promotion_id', '=', id)
			.where('actor_type', '=', context.actor.type)
			.where('actor_id', '=', context.actor.id ?? '')
			.executeTakeFirst();
		checkDecider(context, { type: row.requested_by_type, id: row.requested_by_id }, earlier, 'promotion', doing);
		const now = new Date().toISOString();
		const record: PromotionDecisionsTable = {
			promotion_id: id,
			plan_hash: row.plan_hash,
			...decisionFields(context, decision, input, now),
		};
		await trx.insertInto('promotion_decisions').values(record).execute();
		const approvals = await approvalCount(trx, id);
		const status = decision === 'reject' ? 'REJECTED' : approvals >= row.required_approvals ? 'APPROVED' : row.status;
		await trx.updateTable('promotions').set({ status, updated_at: now }).where('id', '=', id).execute();
		await audit(trx, context, `promotion.${decision}`, row, {
			comment: input.comment,
			...(input.decidedBy && { decidedBy: input.decidedBy }),
			approvals,
			requiredApprovals: row.required_approvals,
			status,
		});
		if (status === row.status) return [];
		return announce(trx, events, status === 'APPROVED' ? 'promotion.approved' : 'promotion.rejected', id);
	});
	events.dispatch(recorded);
	return getPromotion(db, id);
}

/** The requester, or an admin, may cancel a promotion before it runs. */
export async function cancelPromotion(
	db: Db,
	context: AuditContext,
	id: string,
	isAdmin: boolean,
	comment: string,
): Promise<Promotion> {
	await db.transaction().execute(async (trx) => {
		const row = await promotionRow(trx, id);
		const requester = context.actor.type === row.requested_by_type && context.actor.id === row.requested_by_id;
		if (!requester && !isAdmin)
			throw new DomainError('forbidden', 'Only the requester or an admin may cancel a promotion');
		const status = transition(row.status, 'CANCELLED', 'cancelled');
		await trx
			.updateTable('promotions')
			.set({ status, updated_at: new Date().toISOString() })
			.where('id', '=', id)
			.execute();
		await audit(trx, context, 'promotion.cancel', row, { comment });
	});
	return getPromotion(db, id);
}

async function approvalCount(db: Db, id: string): Promise<number> {
	const { count } = await db
		.selectFrom('promotion_decisions')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('promotion_id', '=', id)
		.where('decision', '=', 'approve')
		.executeTakeFirstOrThrow();
	return Number(count);
}

export async function promotionRow(db: Db, id: string): Promise<PromotionsTable> {
	const row = await db.selectFrom('promotions').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Promotion');
	return row;
}

type StoredPlan = Pick<Plan, 'items' | 'summary' | 'blockers'>;

function toSummary(row: PromotionsTable, approvals: number, plan: StoredPlan): PromotionSummary {
	return {
		id: row.id,
		status: row.status,
		sourceEnvironmentId: row.source_environment_id,
		targetEnvironmentId: row.target_environment_id,
		pipelineId: row.pipeline_id,
		stage: JSON.parse(row.stage) as Stage,
		reason: row.reason,
		requestedBy: { type: row.requested_by_type, id: row.requested_by_id, name: row.requested_by },
		requiredApprovals: row.required_approvals,
		approvals,
		rollbackOf: row.rollback_of,
		summary: plan.summary,
		planHash: row.plan_hash,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
	};
}

export async function getPromotion(db: Db, id: string): Promise<Promotion> {
	const row = await promotionRow(db, id);
	const decisions = await db
		.selectFrom('promotion_decisions')
		.selectAll()
		.where('promotion_id', '=', id)
		.orderBy('decided_at')
		.execute();
	const plan = JSON.parse(row.plan) as StoredPlan;
	const approvals = decisions.filter((decision) => decision.decision === 'approve').length;
	const { summary: _summary, planHash: _planHash, ...promotion } = toSummary(row, approvals, plan);
	return {
		...promotion,
		decisions: decisions.map((decision) => ({
			decision: decision.decision,
			by: { type: decision.actor_type, id: decision.actor_id, name: decision.actor_name },
			decidedBy: decision.decided_by,
			comment: decision.comment,
			planHash: decision.plan_hash,
			at: decision.decided_at,
		})),
		plan: { ...plan, planHash: row.plan_hash },
		execution: await executionOf(db, id),
	};
}

async function executionOf(db: Db, id: string): Promise<Execution | null> {
	const change = await latestChangeFor(db, `promotion:${id}`);
	if (!change) return null;
	return {
		status: change.status,
		safetySnapshotId: change.safety_snapshot_id,
		error: change.error,
		startedAt: change.started_at,
		finishedAt: change.finished_at,
		steps: (await changeSteps(db, change.id)).map((step) => ({
			action: step.action,
			name: step.name,
			workflowId: step.workflow_id,
			resultId: step.result_id,
			state: step.state,
			error: step.error,
		})),
	};
}

export async function listPromotions(
	db: Db,
	query: z.infer<typeof promotionListSchema>,
): Promise<Page<PromotionSummary>> {
	let select = db
		.selectFrom('promotions')
		.selectAll('promotions')
		.select((eb) =>
			eb
				.selectFrom('promotion_decisions')
				.select((inner) => inner.fn.countAll<number>().as('n'))
				.whereRef('promotion_decisions.promotion_id', '=', 'promotions.id')
				.where('promotion_decisions.decision', '=', 'approve')
				.as('approvals'),
		);
	if (query.status) select = select.where('status', '=', query.status);
	if (query.sourceEnvironmentId) select = select.where('source_environment_id', '=', query.sourceEnvironmentId);
	if (query.targetEnvironmentId) select = select.where('target_environment_id', '=', query.targetEnvironmentId);
	if (query.requestedBy) select = select.where('requested_by', '=', query.requestedBy);
	return offsetPage(
		query,
		(limit, offset) => select.orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
		({ approvals, ...row }) => toSummary(row, Number(approvals ?? 0), JSON.parse(row.plan) as StoredPlan),
	);
}

export const audit = (
	trx: Transaction<Database>,
	context: AuditContext,
	action: string,
	row: PromotionsTable,
	metadata: Record<string, unknown>,
) =>
	appendAudit(trx, context, {
		action,
		resourceType: 'promotion',
		resourceId: row.id,
		environmentId: row.target_environment_id,
		metadata,
	});

/**
 * Records a promotion event in `trx`, the transaction of the change it announces, with the promotion
 * as that change leaves it; dispatch what it returns once the transaction has committed.
 */
export async function announce(trx: Db, events: EventSink, type: EventType, id: string): Promise<string[]> {
	const promotion = await getPromotion(trx, id);
	const source = await getEnvironmentRow(trx, promotion.sourceEnvironmentId);
	const target = await getEnvironmentRow(trx, promotion.targetEnvironmentId);
	const { plan, ...rest } = promotion;
	return events.record(trx, type, {
		source: { id: source.id, name: source.name, class: source.class },
		target: { id: target.id, name: target.name, class: target.class },
		promotion: {
			...rest,
			summary: plan.summary,
			workflows: plan.items.map((item) => ({
				name: item.name,
				status: item.status,
				action: item.action,
				risk: item.risk,
			})),
		},
	});
}
