import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The workflows an inventory sync has read so far, kept while it pages through n8n: its closing
// transaction then makes the inventory what they say in a few statements.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('inventory_sync_rows')
		.addColumn('job_id', 'text', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
		.addColumn('n8n_id', 'text', (col) => col.notNull())
		.addColumn('canonical_id', 'text', (col) => col.notNull())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('active', 'integer', (col) => col.notNull())
		.addColumn('tags', 'text', (col) => col.notNull())
		.addColumn('node_types', 'text', (col) => col.notNull())
		.addColumn('node_count', 'integer', (col) => col.notNull())
		.addColumn('content_hash', 'text', (col) => col.notNull())
		.addColumn('raw_hash', 'text', (col) => col.notNull())
		.addColumn('n8n_updated_at', 'text')
		.addPrimaryKeyConstraint('inventory_sync_rows_pk', ['job_id', 'n8n_id'])
		.execute();
}
