import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The highest audit id ever issued, which makes a deleted tail of the chain visible. SQLite keeps it in
// sqlite_sequence, rolled back with the append's transaction. PostgreSQL's sequences are not rolled
// back, so there it is this one-row table, written in the append's transaction.
export async function up(db: Kysely<unknown>): Promise<void> {
	if (dialectOf(db) === 'sqlite') return;
	await sql`create table audit_log_issued (last_id bigint not null)`.execute(db);
	await sql`insert into audit_log_issued (last_id) select coalesce(max(id), 0) from audit_log`.execute(db);
}
