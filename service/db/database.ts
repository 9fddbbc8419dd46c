import fs from 'node:fs';
import path from 'node:path';
import { Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from './migrations';
import type { Database } from './schema';
import { Sqlite3Dialect } from './sqlite3-dialect';

export type Db = Kysely<Database>;

export function openDatabase(filename: string): Db {
	// Private: the database holds password and token hashes and the sealed API keys.
	if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true, mode: 0o700 });
	return new Kysely<Database>({ dialect: new Sqlite3Dialect({ filename }) });
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

function appliedNames(results: MigrationResultSet['results']): string[] {
	return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
