import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { fullTextTable, insertOrIgnore, rowNumber, withoutRowid } from './portable';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Search indexes each distinct document once: the same workflow in dev, staging and prod is one FTS5
// document, and a search ranks documents, not inventory rows (a fifth of the work over 5 environments).
// - workflow_search_documents numbers the distinct documents (by a hash of their text); their FTS5
//   rowid is that number.
// - workflow_search_rows says which document each inventory row has.
// The inventory's triggers (0020) still mark what changed; every row starts marked again.
export async function up(db: Kysely<unknown>): Promise<void> {
	await sql`DROP TABLE workflow_search`.execute(db);
	await sql`DROP TABLE workflow_search_keys`.execute(db);
	await sql`CREATE TABLE workflow_search_documents (
		id ${rowNumber(db)},
		text_hash TEXT NOT NULL UNIQUE
	)`.execute(db);
	await fullTextTable(db, 'workflow_search_text', ['name', 'nodes', 'tags', 'credentials', 'parameters']);
	await sql`CREATE TABLE workflow_search_rows (
		environment_id TEXT NOT NULL,
		n8n_id TEXT NOT NULL,
		document_id INTEGER NOT NULL,
		PRIMARY KEY (environment_id, n8n_id)
	) ${withoutRowid(db)}`.execute(db);
	await sql`CREATE INDEX workflow_search_rows_document ON workflow_search_rows (document_id)`.execute(db);
	await insertOrIgnore(
		db,
		sql`workflow_search_stale (environment_id, n8n_id)`,
		sql`SELECT environment_id, n8n_id FROM workflow_inventory`,
	);
}
