import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../service/db/database';
import { testDatabase } from './test-database';

/** A migrated database in a temp file; remove() closes and deletes it. */
export async function tempDatabase(): Promise<{ db: Db; file: string; remove: () => Promise<void> }> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-db-'));
	const file = path.join(dir, 'test.sqlite');
	const { db, drop } = await testDatabase(file);
	return {
		db,
		file,
		remove: async () => {
			await drop();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
