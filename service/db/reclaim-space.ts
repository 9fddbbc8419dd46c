import { sql } from 'kysely';
import type { Db } from './database';
import { dialectOf } from './dialect';

/** Pages returned to the file system per incremental vacuum step. */
const VACUUM_PAGES = 2000;

/**
 * Gives the space of deleted rows back after a large delete from `tables`; returns the bytes the
 * database shrank by. SQLite returns its free pages to the file system (a database made before
 * incremental vacuum was set is switched to it once, by a full vacuum); PostgreSQL vacuums the tables,
 * making the space reusable and returning their empty tail.
 */
export async function reclaimSpace(db: Db, tables: string[]): Promise<number> {
	return dialectOf(db) === 'postgres' ? vacuumTables(db, tables) : returnFreePages(db);
}

async function vacuumTables(db: Db, tables: string[]): Promise<number> {
	const size = async () =>
		(await sql<{ bytes: number }>`select pg_database_size(current_database()) as bytes`.execute(db)).rows[0].bytes;
	const before = await size();
	for (const table of tables) await sql`vacuum ${sql.table(table)}`.execute(db);
	return Math.max(0, before - (await size()));
}

async function returnFreePages(db: Db): Promise<number> {
	const pragma = async (name: string) =>
		Number(Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as object)[0]);
	const [pageSize, pagesBefore] = [await pragma('page_size'), await pragma('page_count')];
	if ((await pragma('auto_vacuum')) !== 2) {
		await sql.raw('PRAGMA auto_vacuum = INCREMENTAL').execute(db);
		await sql.raw('VACUUM').execute(db);
	} else {
		while ((await pragma('freelist_count')) > 0) {
			await sql.raw(`PRAGMA incremental_vacuum(${VACUUM_PAGES})`).execute(db);
			await new Promise((resolve) => setImmediate(resolve));
		}
	}
	return Math.max(0, (pagesBefore - (await pragma('page_count'))) * pageSize);
}
