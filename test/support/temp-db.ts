import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Db, migrateToLatest, openDatabase } from '../../service/db/database';

/** A migrated database in a temp file; remove() closes and deletes it. */
export async function tempDatabase(): Promise<{ db: Db; file: string; remove: () => Promise<void> }> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-db-'));
	const file = path.join(dir, 'test.sqlite');
	const db = openDatabase(file);
	await migrateToLatest(db);
	return {
		db,
		file,
		remove: async () => {
			await db.destroy();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
