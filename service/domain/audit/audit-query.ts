import type { SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { AuditRow, Database } from '../../db/schema';
import { decodeCursor, encodeCursor, type Page } from '../pagination';

export const auditFilterSchema = z.object({
	actor: z.string().min(1).optional().describe('user email or token name'),
	actorId: z.string().min(1).optional().describe('user or token id'),
	action: z
		.string()
		.min(1)
		.optional()
		.describe('an action, e.g. environment.create, or a prefix such as environment.*'),
	resourceType: z.string().min(1).optional(),
	resourceId: z.string().min(1).optional(),
	environmentId: z.string().min(1).optional(),
	from: z.iso.datetime({ offset: true }).optional().describe('ISO time, inclusive'),
	to: z.iso.datetime({ offset: true }).optional().describe('ISO time, exclusive'),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export interface AuditEntry {
	id: number;
	at: string;
	actor: { type: AuditRow['actor_type']; id: string | null; name: string | null };
	n8n: { workflowId: string | null; executionId: string | null } | null;
	action: string;
	resourceType: string | null;
	resourceId: string | null;
	environmentId: string | null;
	metadata: Record<string, unknown>;
	ip: string | null;
	userAgent: string | null;
	prevHash: string;
	hash: string;
}

export async function queryAudit(
	db: Db,
	filter: AuditFilter,
	limit: number,
	cursor?: string,
): Promise<Page<AuditEntry>> {
	let query = applyFilter(db.selectFrom('audit_log').selectAll(), filter);
	if (cursor) query = query.where('id', '<', decodeCursor(cursor));
	const rows = await query
		.orderBy('id', 'desc')
		.limit(limit + 1)
		.execute();
	const page = rows.slice(0, limit);
	return {
		data: page.map(toAuditEntry),
		nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
	};
}

/** Every matching entry, oldest first, read in batches so an export never holds the table in memory. */
export async function* exportAudit(db: Db, filter: AuditFilter, batchSize = 1000): AsyncGenerator<AuditEntry> {
	let after = 0;
	for (;;) {
		const rows = await applyFilter(db.selectFrom('audit_log').selectAll(), filter)
			.where('id', '>', after)
			.orderBy('id')
			.limit(batchSize)
			.execute();
		for (const row of rows) yield toAuditEntry(row);
		if (rows.length < batchSize) return;
		after = rows[rows.length - 1].id;
	}
}

function applyFilter<O>(
	query: SelectQueryBuilder<Database, 'audit_log', O>,
	filter: AuditFilter,
): SelectQueryBuilder<Database, 'audit_log', O> {
	let q = query;
	if (filter.actor) q = q.where('actor_name', '=', filter.actor);
	if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
	if (filter.action?.endsWith('.*')) {
		const prefix = filter.action.slice(0, -1);
		q = q.where('action', '>=', prefix).where('action', '<', prefix.slice(0, -1) + '/');
	} else if (filter.action) {
		q = q.where('action', '=', filter.action);
	}
	if (filter.resourceType) q = q.where('resource_type', '=', filter.resourceType);
	if (filter.resourceId) q = q.where('resource_id', '=', filter.resourceId);
	if (filter.environmentId) q = q.where('environment_id', '=', filter.environmentId);
	if (filter.from) q = q.where('at', '>=', new Date(filter.from).toISOString());
	if (filter.to) q = q.where('at', '<', new Date(filter.to).toISOString());
	return q;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
	return {
		id: row.id,
		at: row.at,
		actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
		n8n:
			row.n8n_workflow_id || row.n8n_execution_id
				? { workflowId: row.n8n_workflow_id, executionId: row.n8n_execution_id }
				: null,
		action: row.action,
		resourceType: row.resource_type,
		resourceId: row.resource_id,
		environmentId: row.environment_id,
		metadata: JSON.parse(row.metadata) as Record<string, unknown>,
		ip: row.ip,
		userAgent: row.user_agent,
		prevHash: row.prev_hash,
		hash: row.hash,
	};
}
