import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('snapshots')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('label', 'text', (col) => col.notNull())
		.addColumn('reason', 'text', (col) => col.notNull())
		.addColumn('created_by', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('workflow_count', 'integer', (col) => col.notNull())
		.addColumn('selective', 'integer', (col) => col.notNull())
		.execute();
	await db.schema
		.createIndex('snapshots_environment')
		.on('snapshots')
		.columns(['environment_id', 'created_at'])
		.execute();

	// A snapshot is a list of references into the content-addressed store.
	await db.schema
		.createTable('snapshot_items')
		.addColumn('snapshot_id', 'text', (col) => col.notNull().references('snapshots.id').onDelete('cascade'))
		.addColumn('n8n_id', 'text', (col) => col.notNull())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('active', 'integer', (col) => col.notNull())
		.addColumn('content_hash', 'text', (col) => col.notNull())
		.addColumn('raw_hash', 'text', (col) => col.notNull().references('workflow_blobs.raw_hash'))
		.addPrimaryKeyConstraint('snapshot_items_pk', ['snapshot_id', 'n8n_id'])
		.execute();
}
