import fs from 'node:fs';
import path from 'node:path';
import { Kysely, type MigrationResultSet, Migrator, sql } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations';
import type { Config } from '../config';
import { dialectOf } from './dialect';
import { WorkflowOpsPostgresDialect } from './postgres-dialect';
import type { Database } from './schema';
import { Sqlite3Dialect } from './sqlite3-dialect';

export type Db = Kysely<Database>;

/**
 * Opens the SQLite file, creating it and its private directory unless `mustExist` (then a missing
 * file is an error and nothing is created).
 */
export function openDatabase(filename: string, options: { mustExist?: boolean } = {}): Db {
	if (filename !== ':memory:' && !options.mustExist) ensurePrivateDir(path.dirname(filename));
	return new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename, mustExist: options.mustExist }) });
}

type DatabaseConfig = Pick<Config, 'databaseFile' | 'databaseUrl'>;

/** The database the configuration names: PostgreSQL at WORKFLOWOPS_DATABASE_URL, else the SQLite file. */
export function openConfiguredDatabase(config: DatabaseConfig, options: { mustExist?: boolean } = {}): Db {
	return config.databaseUrl ? connectPostgres(config.databaseUrl) : openDatabase(config.databaseFile, options);
}

/** Where the database is, for messages: the SQLite file, or the PostgreSQL URL without its password. */
export function databaseLabel(config: DatabaseConfig): string {
	if (!config.databaseUrl) return config.databaseFile;
	const url = new URL(config.databaseUrl);
	url.password = '';
	return url.toString();
}

/** Fails with one line saying where, when PostgreSQL cannot be reached (it connects lazily). */
export async function reachDatabase(db: Db, config: DatabaseConfig): Promise<void> {
	if (dialectOf(db) !== 'postgres') return;
	try {
		await sql`select 1`.execute(db);
	} catch (error) {
		throw new Error(`Cannot reach PostgreSQL at ${databaseLabel(config)}: ${(error as Error).message}`);
	}
}

/** The database engine and its version, e.g. "SQLite 3.50.4" or "PostgreSQL 15.14". */
export async function databaseVersion(db: Db): Promise<string> {
	if (dialectOf(db) === 'postgres') {
		const { rows } = await sql<{ server_version: string }>`show server_version`.execute(db);
		return `PostgreSQL ${rows[0].server_version.split(' ')[0]}`;
	}
	const { rows } = await sql<{ version: string }>`select sqlite_version() as version`.execute(db);
	return `SQLite ${rows[0].version}`;
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Connects to PostgreSQL. Counts and sums come back as numbers, as they do from SQLite (pg would give
 * 64-bit integers and numerics as strings; no value the companion keeps comes near 2^53).
 */
export function connectPostgres(url: string, options: { max?: number } = {}): Db {
	const types = {
		getTypeParser: (oid: number, format?: 'text' | 'binary') =>
			oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format),
	};
	const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
	// An idle connection that PostgreSQL closes (a restart, a dropped database) is not a crash: the pool
	// replaces it, and the next query reports what is wrong.
	pool.on('error', () => undefined);
	return new Kysely<Database>({ dialect: new WorkflowOpsPostgresDialect({ pool }) });
}

/**
 * The data directory holds password and token hashes and the sealed API keys: it is created 0700, and
 * an existing one that others may read is tightened to 0700 (or refused when that is not allowed).
 */
export function ensurePrivateDir(dir: string): void {
	fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
	const mode = fs.statSync(dir).mode & 0o777;
	if (!(mode & 0o077)) return;
	try {
		fs.chmodSync(dir, 0o700);
	} catch (error) {
		throw new Error(
			`The data directory ${dir} can be read by other users (mode ${mode.toString(8)}) and cannot be made private: ${(error as Error).message}`,
		);
	}
}

/** Brings the schema up to date; throws with the failing migration's name and error. */
export async function migrateToLatest(db: Db): Promise<string[]> {
	const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
	const { error, results } = await migrator.migrateToLatest();
	if (error) {
		const failed = results?.find((result) => result.status === 'Error');
		throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`);
	}
	return appliedNames(results);
}

/** The migrations this database has not had yet, in order. */
export async function pendingMigrations(db: Db): Promise<string[]> {
	const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
	return (await migrator.getMigrations())
		.filter((migration) => !migration.executedAt)
		.map((migration) => migration.name);
}

function appliedNames(results: MigrationResultSet['results']): string[] {
	return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
