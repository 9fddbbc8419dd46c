import crypto from 'node:crypto';
import { sql } from 'kysely';
import { connectPostgres, type Db, migrateToLatest, openDatabase } from '../../service/db/database';
import { databaseUrl, TEMPLATE_DATABASE } from './postgres-server';

/** Whether this test project runs on PostgreSQL (the *-pg projects) rather than SQLite. */
export const onPostgres = () => process.env.WORKFLOWOPS_TEST_DATABASE === 'postgres';

export interface TestDatabase {
	db: Db;
	/** WORKFLOWOPS_DATABASE_URL for a companion process on it; undefined on SQLite. */
	url: string | undefined;
	/** Closes it, and on PostgreSQL drops it. */
	drop(): Promise<void>;
}

/**
 * A migrated, empty database: the SQLite file given, or on PostgreSQL (the project's engine unless
 * given) a new database copied from the run's migrated template.
 */
export async function testDatabase(
	sqliteFile: string,
	engine = onPostgres() ? 'postgres' : 'sqlite',
): Promise<TestDatabase> {
	if (engine === 'sqlite') {
		const db = openDatabase(sqliteFile);
		await migrateToLatest(db);
		return { db, url: undefined, drop: () => db.destroy() };
	}
	const server = process.env.WORKFLOWOPS_TEST_POSTGRES_URL;
	if (!server) throw new Error('WORKFLOWOPS_TEST_POSTGRES_URL is unset: run through a PostgreSQL jest project');
	const name = `wfo_${crypto.randomBytes(6).toString('hex')}`;
	const admin = connectPostgres(server, { max: 1 });
	try {
		await sql`create database ${sql.id(name)} template ${sql.id(TEMPLATE_DATABASE)}`.execute(admin);
	} finally {
		await admin.destroy();
	}
	const url = databaseUrl(server, name);
	const db = connectPostgres(url);
	return {
		db,
		url,
		drop: async () => {
			await db.destroy();
			const dropper = connectPostgres(server, { max: 1 });
			await sql`drop database if exists ${sql.id(name)} with (force)`.execute(dropper);
			await dropper.destroy();
		},
	};
}
