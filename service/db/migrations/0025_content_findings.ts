import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// What the content rules find in each content at each environment class, kept per version of the
// rules (a hash of their settings), so the matrix shows findings without checking every workflow again.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('content_findings')
		.addColumn('content_hash', 'text', (col) => col.notNull())
		.addColumn('class', 'text', (col) => col.notNull())
		.addColumn('settings_hash', 'text', (col) => col.notNull())
		.addColumn('findings', 'text', (col) => col.notNull())
		.addColumn('errors', 'integer', (col) => col.notNull())
		.addColumn('warnings', 'integer', (col) => col.notNull())
		.addColumn('infos', 'integer', (col) => col.notNull())
		.addPrimaryKeyConstraint('content_findings_pk', ['settings_hash', 'class', 'content_hash'])
		.execute();
}
