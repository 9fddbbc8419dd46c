import crypto from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database';
import { dialectOf } from '../../db/dialect';
import type { AuditRow, Database } from '../../db/schema';

export interface Actor {
	type: 'user' | 'token' | 'system';
	id: string | null;
	name: string | null;
}

/** Who is acting and from where; built once per request (or CLI call) and passed to every change. */
export interface AuditContext {
	actor: Actor;
	ip: string | null;
	userAgent: string | null;
	/** Set when the change comes from a WorkflowOps node running inside an n8n workflow. */
	n8n?: { workflowId?: string; executionId?: string };
}

export interface AuditEvent {
	action: string;
	resourceType?: string;
	resourceId?: string;
	environmentId?: string;
	metadata?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);
/** Rows per INSERT: 16 columns each stays well under SQLite's limit of 32,766 bound variables. */
const INSERT_CHUNK = 500;

/**
 * Appends one entry. Takes a transaction so the entry commits or rolls back with the change it records,
 * and so reading the chain's head and inserting after it cannot interleave with another append.
 */
export async function appendAudit(
	trx: Transaction<Database>,
	context: AuditContext,
	event: AuditEvent,
	now = new Date(),
): Promise<AuditRow> {
	const [row] = await appendAuditEntries(trx, [{ context, event }], now);
	return row;
}

/** Appends entries in order, each linked to the one before: one read of the head, one insert. */
export async function appendAuditEntries(
	trx: Transaction<Database>,
	entries: Array<{ context: AuditContext; event: AuditEvent }>,
	now = new Date(),
): Promise<AuditRow[]> {
	const head = await chainHead(trx);
	let previous = { id: head.lastIssuedId, hash: head.hash ?? GENESIS_HASH };
	const rows = entries.map(({ context, event }) => {
		const fields = {
			id: previous.id + 1,
			at: now.toISOString(),
			actor_type: context.actor.type,
			actor_id: context.actor.id,
			actor_name: context.actor.name,
			n8n_workflow_id: context.n8n?.workflowId ?? null,
			n8n_execution_id: context.n8n?.executionId ?? null,
			action: event.action,
			resource_type: event.resourceType ?? null,
			resource_id: event.resourceId ?? null,
			environment_id: event.environmentId ?? null,
			metadata: JSON.stringify(event.metadata ?? {}),
			ip: context.ip,
			user_agent: context.userAgent,
			prev_hash: previous.hash,
		};
		const row: AuditRow = { ...fields, hash: entryHash(fields) };
		previous = row;
		return row;
	});
	for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
		await trx
			.insertInto('audit_log')
			.values(rows.slice(start, start + INSERT_CHUNK))
			.execute();
	}
	// SQLite's AUTOINCREMENT keeps the highest id issued by itself (migration 0033).
	if (rows.length && dialectOf(trx) === 'postgres')
		await sql`update audit_log_issued set last_id = ${previous.id}`.execute(trx);
	return rows;
}

/** SHA-256 over every stored field but the hash itself, prev_hash included, in a fixed order. */
export function entryHash(row: Omit<AuditRow, 'hash'>): string {
	const fields = [
		row.prev_hash,
		row.id,
		row.at,
		row.actor_type,
		row.actor_id,
		row.actor_name,
		row.n8n_workflow_id,
		row.n8n_execution_id,
		row.action,
		row.resource_type,
		row.resource_id,
		row.environment_id,
		row.metadata,
		row.ip,
		row.user_agent,
	];
	return crypto.createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * The hash to link to and the last id ever issued, in one statement. Ids come from sqlite_sequence
 * (PostgreSQL: audit_log_issued), not from the last row, so a deleted tail leaves a gap that verify
 * sees. Called in the append's transaction, which runs alone (on PostgreSQL too: see postgres-dialect.ts).
 */
async function chainHead(db: Kysely<Database>): Promise<{ hash: string | null; lastIssuedId: number }> {
	const postgres = dialectOf(db) === 'postgres';
	const lastIssued = postgres
		? sql`select last_id from audit_log_issued`
		: sql`select seq from sqlite_sequence where name = 'audit_log'`;
	const { rows } = await sql<{ hash: string | null; lastIssuedId: number | null }>`
		select (select hash from audit_log order by id desc limit 1) as hash,
		       (${lastIssued}) as "lastIssuedId"`.execute(db);
	return { hash: rows[0]?.hash ?? null, lastIssuedId: rows[0]?.lastIssuedId ?? 0 };
}

export interface VerifyResult {
	valid: boolean;
	checked: number;
	firstBrokenId?: number;
	reason?: string;
}

const VERIFY_BATCH = 2000;

/**
 * Walks the whole chain: ids contiguous from 1, each row's prev_hash the previous row's hash, each hash
 * recomputed, and no row missing after the last one (the last id issued would be ahead of it).
 */
export async function verifyAuditChain(db: Db): Promise<VerifyResult> {
	let previous: { id: number; hash: string } = { id: 0, hash: GENESIS_HASH };
	let checked = 0;
	for (;;) {
		const batch = await db
			.selectFrom('audit_log')
			.selectAll()
			.where('id', '>', previous.id)
			.orderBy('id')
			.limit(VERIFY_BATCH)
			.execute();
		for (const row of batch) {
			const broken = (reason: string): VerifyResult => ({ valid: false, checked, firstBrokenId: row.id, reason });
			if (row.id !== previous.id + 1) return broken(`entries ${previous.id + 1} to ${row.id - 1} are missing`);
			if (row.prev_hash !== previous.hash) return broken('it does not link to the entry before it');
			if (entryHash(row) !== row.hash) return broken('its content does not match its hash');
			previous = row;
			checked += 1;
		}
		if (batch.length < VERIFY_BATCH) break;
	}
	const { lastIssuedId } = await chainHead(db);
	if (lastIssuedId > previous.id) {
		return {
			valid: false,
			checked,
			firstBrokenId: previous.id + 1,
			reason: `entries after ${previous.id} are missing`,
		};
	}
	return { valid: true, checked };
}
