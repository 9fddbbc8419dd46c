import fs from 'node:fs';
import path from 'node:path';
import { Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from './migrations';
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
