import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { fullTextTable, markSearchStale, rowNumber, withoutRowid } from './portable';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Full-text search over every environment's inventory: one FTS5 document per inventory row (its
// environment to filter by; name, node types and names, tags, credential names, the text in node
// parameters).
// - Every write to the inventory marks its row in workflow_search_stale (triggers, so no path is
//   missed); the search index module re-indexes the marked rows before a search reads the index. A
//   sync writes only the marks, and every row stored before this migration starts marked.
// - Documents are numbered by workflow_search_keys, whose INTEGER PRIMARY KEY, unlike the inventory's
//   rowid, survives a VACUUM.
// Also: onboarding's rejected link proposals.

// Not INSERT OR IGNORE: an upsert's own conflict policy would override the trigger's.
const MARK = (row: 'new' | 'old') =>
	sql.raw(`INSERT INTO workflow_search_stale (environment_id, n8n_id)
		SELECT ${row}.environment_id, ${row}.n8n_id WHERE NOT EXISTS (
			SELECT 1 FROM workflow_search_stale WHERE environment_id = ${row}.environment_id AND n8n_id = ${row}.n8n_id
		);`);

export async function up(db: Kysely<unknown>): Promise<void> {
	await sql`CREATE TABLE workflow_search_keys (
		id ${rowNumber(db)},
		environment_id TEXT NOT NULL,
		n8n_id TEXT NOT NULL,
		UNIQUE (environment_id, n8n_id)
	)`.execute(db);
	await fullTextTable(
		db,
		'workflow_search',
		['name', 'nodes', 'tags', 'credentials', 'parameters'],
		['environment_id'],
	);
	await sql`CREATE TABLE workflow_search_stale (
		environment_id TEXT NOT NULL,
		n8n_id TEXT NOT NULL,
		PRIMARY KEY (environment_id, n8n_id)
	) ${withoutRowid(db)}`.execute(db);
	await markSearchStale(db, MARK);
	await sql`INSERT INTO workflow_search_stale (environment_id, n8n_id)
		SELECT environment_id, n8n_id FROM workflow_inventory`.execute(db);

	await db.schema
		.createTable('link_rejections')
		.addColumn('proposal_id', 'text', (col) => col.primaryKey())
		.addColumn('rejected_by', 'text')
		.addColumn('rejected_at', 'text', (col) => col.notNull())
		.execute();
}
