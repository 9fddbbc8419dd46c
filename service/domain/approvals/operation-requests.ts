import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type {
	Database,
	OperationDecisionsTable,
	OperationRequestStatus,
	OperationRequestsTable,
	PolicyAction,
} from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { conflict, messageOf, notFound } from '../errors';
import { ORPHANED } from '../jobs/orphaned';
import type { EventType } from '../events/events';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import { checkDecider, type Decision, decisionFields } from './decisions';
import {
	describeOperation,
	type GatedOperation,
	type OperationDeps,
	type OperationOutcome,
	POLICY_ACTION_OF,
	runOperation,
} from './gated-operations';

export const operationRequestListSchema = pageQuerySchema.extend({
	status: z.enum(['PENDING_APPROVAL', 'APPROVED', 'FAILED', 'REJECTED', 'CANCELLED']).optional(),
	environmentId: z.string().min(1).optional(),
});

export interface OperationRequest {
	id: string;
	environment: { id: string; name: string; class: string };
	action: PolicyAction;
	kind: GatedOperation['kind'];
	summary: string;
	reason: string;
	status: OperationRequestStatus;
	requestedBy: { type: string; id: string | null; name: string };
	decisions: Array<{
		decision: 'approve' | 'reject';
		by: { type: string; id: string; name: string };
		decidedBy: string | null;
		comment: string;
		at: string;
	}>;
	/** Once approved and run: its job (follow it at /jobs/:id) or its result. */
	outcome: OperationOutcome | null;
	/** Why it could not run once approved. */
	error: string | null;
	createdAt: string;
	updatedAt: string;
}

/** Keeps an operation that the environment's class policy sends for another admin's approval. */
export async function requestOperation(
	deps: OperationDeps,
	context: AuditContext,
	operation: GatedOperation,
	reason: string,
): Promise<OperationRequest> {
	const summary = await describeOperation(deps, operation);
	const now = new Date().toISOString();
	const row: OperationRequestsTable = {
		id: crypto.randomUUID(),
		environment_id: operation.environmentId,
		action: POLICY_ACTION_OF[operation.kind],
		operation: JSON.stringify(operation),
		summary,
		reason,
		status: 'PENDING_APPROVAL',
		requested_by_type: context.actor.type,
		requested_by_id: context.actor.id,
		requested_by: context.actor.name ?? context.actor.type,
		outcome: null,
		error: null,
		created_at: now,
		updated_at: now,
		replica_id: null,
	};
	const recorded = await deps.db.transaction().execute(async (trx) => {
		await trx.insertInto('operation_requests').values(row).execute();
		await audit(trx, context, 'operation.request', row, { summary, reason, kind: operation.kind });
		return announce(trx, deps, 'operation.approval_requested', row.id);
	});
	deps.events.dispatch(recorded);
	return getOperationRequest(deps.db, row.id);
}

/**
 * Another admin's decision. An approval runs the operation at once, as the approver: its job or result
 * is kept on the request, or why it could not start (FAILED).
 */
export async function decideOperation(
	deps: OperationDeps,
	context: AuditContext,
	id: string,
	decision: 'approve' | 'reject',
	input: Decision,
): Promise<OperationRequest> {
	const { row, recorded } = await deps.db.transaction().execute(async (trx) => {
		const row = await requestRow(trx, id);
		const doing = decision === 'approve' ? 'approved' : 'rejected';
		if (row.status !== 'PENDING_APPROVAL')
			throw conflict(`The request is ${STATUS_WORDS[row.status]}: it cannot be ${doing}`);
		const earlier = await trx
			.selectFrom('operation_decisions')
			.select('decision')
			.where('request_id', '=', id)
			.where('actor_type', '=', context.actor.type)
			.where('actor_id', '=', context.actor.id ?? '')
			.executeTakeFirst();
		checkDecider(context, { type: row.requested_by_type, id: row.requested_by_id }, earlier, 'request', doing);
		const now = new Date().toISOString();
		const record: OperationDecisionsTable = { request_id: id, ...decisionFields(context, decision, input, now) };
		await trx.insertInto('operation_decisions').values(record).execute();
		const status = decision === 'approve' ? 'APPROVED' : 'REJECTED';
		await trx
			.updateTable('operation_requests')
			.set({ status, updated_at: now, replica_id: deps.replicaId })
			.where('id', '=', id)
			.execute();
		await audit(trx, context, `operation.${decision}`, row, {
			comment: input.comment,
			...(input.decidedBy && { decidedBy: input.decidedBy }),
			summary: row.summary,
		});
		return {
			row,
			recorded: await announce(trx, deps, decision === 'approve' ? 'operation.approved' : 'operation.rejected', id),
		};
	});
	deps.events.dispatch(recorded);
	if (decision === 'approve') await run(deps, context, row);
	return getOperationRequest(deps.db, id);
}

async function run(deps: OperationDeps, context: AuditContext, row: OperationRequestsTable): Promise<void> {
	let finished: Partial<OperationRequestsTable>;
	try {
		const outcome = await runOperation(deps, context, JSON.parse(row.operation) as GatedOperation);
		finished = { outcome: JSON.stringify(outcome) };
	} catch (error) {
		finished = { status: 'FAILED', error: messageOf(error) };
	}
	await deps.db
		.updateTable('operation_requests')
		.set({ ...finished, updated_at: new Date().toISOString() })
		.where('id', '=', row.id)
		.execute();
}

export const INTERRUPTED =
	'the companion stopped while starting it, so it may have started or not: check the workflows in n8n, and ask again if needed';

/**
 * Requests approved on a replica now gone that have neither an outcome nor an error (it stopped while
 * starting them) are FAILED with that said, and audited; what the operation did, its own job or
 * change records tell. Run in the transaction that takes them over; returns their ids.
 */
export async function failOrphanedRequests(trx: Transaction<Database>, context: AuditContext): Promise<string[]> {
	const rows = await trx
		.selectFrom('operation_requests')
		.selectAll()
		.where('status', '=', 'APPROVED')
		.where('outcome', 'is', null)
		.where(ORPHANED)
		.execute();
	if (!rows.length) return [];
	await trx
		.updateTable('operation_requests')
		.set({ status: 'FAILED', error: INTERRUPTED, updated_at: new Date().toISOString() })
		.where(
			'id',
			'in',
			rows.map((row) => row.id),
		)
		.execute();
	for (const row of rows) await audit(trx, context, 'operation.interrupted', row, { summary: row.summary });
	return rows.map((row) => row.id);
}

/** An admin (the requester or another) may cancel a request still waiting. */
export async function cancelOperationRequest(
	db: Db,
	context: AuditContext,
	id: string,
	comment: string,
): Promise<OperationRequest> {
	await db.transaction().execute(async (trx) => {
		const row = await requestRow(trx, id);
		if (row.status !== 'PENDING_APPROVAL')
			throw conflict(`The request is ${STATUS_WORDS[row.status]}: it cannot be cancelled`);
		await trx
			.updateTable('operation_requests')
			.set({ status: 'CANCELLED', updated_at: new Date().toISOString() })
			.where('id', '=', id)
			.execute();
		await audit(trx, context, 'operation.cancel', row, { comment, summary: row.summary });
	});
	return getOperationRequest(db, id);
}

export const STATUS_WORDS: Record<OperationRequestStatus, string> = {
	PENDING_APPROVAL: 'waiting for approval',
	APPROVED: 'approved',
	FAILED: 'approved but could not run',
	REJECTED: 'rejected',
	CANCELLED: 'cancelled',
};

async function requestRow(db: Db, id: string): Promise<OperationRequestsTable> {
	const row = await db.selectFrom('operation_requests').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Request');
	return row;
}

export async function getOperationRequest(db: Db, id: string): Promise<OperationRequest> {
	const [request] = await toRequests(db, [await requestRow(db, id)]);
	return request;
}

export async function listOperationRequests(
	db: Db,
	query: z.infer<typeof operationRequestListSchema>,
): Promise<Page<OperationRequest>> {
	let select = db.selectFrom('operation_requests').selectAll();
	if (query.status) select = select.where('status', '=', query.status);
	if (query.environmentId) select = select.where('environment_id', '=', query.environmentId);
	const page = await offsetPage(
		query,
		(limit, offset) => select.orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
		(row) => row,
	);
	return { ...page, data: await toRequests(db, page.data) };
}

async function toRequests(db: Db, rows: OperationRequestsTable[]): Promise<OperationRequest[]> {
	if (!rows.length) return [];
	const ids = rows.map((row) => row.id);
	const decisions = await db
		.selectFrom('operation_decisions')
		.selectAll()
		.where('request_id', 'in', ids)
		.orderBy('decided_at')
		.execute();
	const environments = await db
		.selectFrom('environments')
		.select(['id', 'name', 'class'])
		.where('id', 'in', [...new Set(rows.map((row) => row.environment_id))])
		.execute();
	return rows.map((row) => ({
		id: row.id,
		environment: environments.find((environment) => environment.id === row.environment_id)!,
		action: row.action,
		kind: (JSON.parse(row.operation) as GatedOperation).kind,
		summary: row.summary,
		reason: row.reason,
		status: row.status,
		requestedBy: { type: row.requested_by_type, id: row.requested_by_id, name: row.requested_by },
		decisions: decisions
			.filter((decision) => decision.request_id === row.id)
			.map((decision) => ({
				decision: decision.decision,
				by: { type: decision.actor_type, id: decision.actor_id, name: decision.actor_name },
				decidedBy: decision.decided_by,
				comment: decision.comment,
				at: decision.decided_at,
			})),
		outcome: row.outcome ? (JSON.parse(row.outcome) as OperationOutcome) : null,
		error: row.error,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
	}));
}

const audit = (
	trx: Transaction<Database>,
	context: AuditContext,
	action: string,
	row: OperationRequestsTable,
	metadata: Record<string, unknown>,
) =>
	appendAudit(trx, context, {
		action,
		resourceType: 'operation_request',
		resourceId: row.id,
		environmentId: row.environment_id,
		metadata,
	});

/** Records a request's event in the transaction of the change it announces; dispatch after the commit. */
async function announce(trx: Db, deps: OperationDeps, type: EventType, id: string): Promise<string[]> {
	const request = await getOperationRequest(trx, id);
	const { environment, ...rest } = request;
	return deps.events.record(trx, type, { environment, request: rest });
}
