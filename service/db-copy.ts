import { sql } from 'kysely';
import { openEverySecret } from './backup';
import { chunks } from './db/batches';
import { type Db, migrateToLatest, pendingMigrations } from './db/database';
import { type VerifyResult, verifyAuditChain } from './domain/audit/audit-log';
import { messageOf } from './domain/errors';
import type { SecretBox } from './domain/secrets';

/**
 * Not copied: SQLite's own tables, the migrations' bookkeeping (the target has its own), and the search
 * index, which the target builds again (inserting the inventory marks every workflow for it).
 */
const NOT_COPIED = /^(sqlite_|kysely_|workflow_search_)/;
/** Rows read and written at a time. */
const BATCH = 1000;
/** PostgreSQL's limit of bound parameters in one statement. */
const MAX_PARAMETERS = 65_535;

export interface CopyReport {
	/** Rows copied, per table, in the order they were copied. */
	tables: Array<{ table: string; rows: number }>;
	/** Secrets opened with the key on the target. */
	secrets: number;
	audit: VerifyResult;
}

/**
 * Copies an installation's SQLite database into an empty PostgreSQL database, in one transaction: it
 * lands whole or not at all. The source must be up to date; its secrets must open with the key (they
 * are copied sealed, as they are). Afterwards the target's audit chain is verified and every secret
 * opened again.
 */
export async function copyDatabase(
	source: Db,
	target: Db,
	secrets: SecretBox | undefined,
	progress: (line: string) => void = () => undefined,
): Promise<CopyReport> {
	const pending = await pendingMigrations(source);
	if (pending.length)
		throw new Error(
			`the SQLite database is not up to date (${pending.join(', ')}): run \`workflowops migrate\` on it first`,
		);
	await openEverySecret(source, secrets, 'the SQLite database');
	await migrateToLatest(target);
	const tables = await tablesInCopyOrder(source);
	const report: CopyReport['tables'] = [];
	await source.transaction().execute((reading) =>
		target.transaction().execute(async (writing) => {
			await refuseUnlessEmpty(writing, tables);
			for (const table of tables) {
				const rows = await copyTable(reading, writing, table).catch((error: unknown) => {
					throw new Error(`copying ${table} failed, so nothing was copied: ${messageOf(error)}`);
				});
				report.push({ table, rows });
				if (rows) progress(`${table}: ${rows} row(s)`);
			}
			await continueNumbering(reading, writing);
		}),
	);
	const audit = await verifyAuditChain(target);
	if (!audit.valid)
		throw new Error(`the copied audit log does not verify at entry ${audit.firstBrokenId}: ${audit.reason}`);
	return { tables: report, secrets: await openEverySecret(target, secrets, 'the copy'), audit };
}

/** The source's tables, each after those its foreign keys point to. */
async function tablesInCopyOrder(source: Db): Promise<string[]> {
	const { rows } = await sql<{ name: string; parent: string | null }>`
		select m.name, f."table" as parent from sqlite_master m
		left join pragma_foreign_key_list(m.name) f on f."table" != m.name
		where m.type = 'table'`.execute(source);
	const parents = new Map<string, Set<string>>();
	for (const { name, parent } of rows) {
		if (NOT_COPIED.test(name)) continue;
		const set = parents.get(name) ?? new Set<string>();
		if (parent) set.add(parent);
		parents.set(name, set);
	}
	const ordered: string[] = [];
	const visit = (table: string) => {
		if (ordered.includes(table)) return;
		for (const parent of parents.get(table) ?? []) visit(parent);
		ordered.push(table);
	};
	for (const table of [...parents.keys()].sort()) visit(table);
	return ordered;
}

async function refuseUnlessEmpty(target: Db, tables: string[]): Promise<void> {
	for (const table of tables) {
		const { rows } = await sql`select 1 from ${sql.table(table)} limit 1`.execute(target);
		if (rows.length)
			throw new Error(`the PostgreSQL database is not empty (${table} has rows): copy into a new, empty database`);
	}
	const { rows } = await sql<{ last_id: number }>`select last_id from audit_log_issued`.execute(target);
	if (rows[0]?.last_id) throw new Error('the PostgreSQL database is not empty (audit ids were issued in it)');
}

/** Copies a table's rows in the order SQLite stored them, BATCH at a time; returns how many. */
async function copyTable(source: Db, target: Db, table: string): Promise<number> {
	let copied = 0;
	for (let after = -Infinity; ;) {
		const { rows } = await sql<Record<string, unknown> & { _rowid: number }>`
			select rowid as _rowid, * from ${sql.table(table)}
			where rowid > ${after} order by rowid limit ${BATCH}`.execute(source);
		if (!rows.length) return copied;
		after = rows.at(-1)!._rowid;
		const columns = Object.keys(rows[0]).filter((column) => column !== '_rowid');
		const into = sql`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.ref(column)))})`;
		for (const chunk of chunks(rows, Math.floor(MAX_PARAMETERS / columns.length))) {
			const values = chunk.map((row) => sql`(${sql.join(columns.map((column) => row[column]))})`);
			await sql`${into} values ${sql.join(values)}`.execute(target);
		}
		copied += rows.length;
	}
}

/**
 * Sets the target's identity sequences past the ids copied, and its highest audit id issued to the
 * source's (a deleted tail of the chain stays visible).
 */
async function continueNumbering(source: Db, target: Db): Promise<void> {
	const { rows } = await sql<{ table_name: string; column_name: string }>`
		select table_name, column_name from information_schema.columns
		where table_schema = current_schema() and is_identity = 'YES'`.execute(target);
	for (const { table_name: table, column_name: column } of rows)
		await sql`select setval(pg_get_serial_sequence(${table}, ${column}),
			coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(target);
	const issued = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'audit_log'`.execute(source);
	await sql`update audit_log_issued set last_id = ${issued.rows[0]?.seq ?? 0}`.execute(target);
}
