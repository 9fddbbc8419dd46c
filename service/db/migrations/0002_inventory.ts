import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('jobs')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('kind', 'text', (col) => col.notNull())
		.addColumn('environment_id', 'text')
		.addColumn('status', 'text', (col) => col.notNull().check(sql`status in ('running', 'succeeded', 'failed')`))
		.addColumn('progress', 'text', (col) => col.notNull().defaultTo('{}'))
		.addColumn('result', 'text')
		.addColumn('error', 'text')
		.addColumn('created_by', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('finished_at', 'text')
		.execute();

	await db.schema
		.createTable('canonical_workflows')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('status', 'text', (col) =>
			col.notNull().check(sql`status in ('UNMAPPED', 'LINKED', 'MISSING', 'IGNORED')`),
		)
		.addColumn('created_at', 'text', (col) => col.notNull())
		.execute();

	// The content-addressed store: one row per distinct normalised content, one per distinct raw export.
	await db.schema
		.createTable('workflow_contents')
		.addColumn('content_hash', 'text', (col) => col.primaryKey())
		.addColumn('normalized', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createTable('workflow_blobs')
		.addColumn('raw_hash', 'text', (col) => col.primaryKey())
		.addColumn('content_hash', 'text', (col) => col.notNull().references('workflow_contents.content_hash'))
		.addColumn('raw', 'text', (col) => col.notNull())
		.execute();

	await db.schema
		.createTable('workflow_inventory')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('n8n_id', 'text', (col) => col.notNull())
		.addColumn('canonical_id', 'text', (col) => col.notNull().references('canonical_workflows.id'))
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('active', 'integer', (col) => col.notNull())
		.addColumn('tags', 'text', (col) => col.notNull())
		.addColumn('node_types', 'text', (col) => col.notNull())
		.addColumn('node_count', 'integer', (col) => col.notNull())
		.addColumn('content_hash', 'text', (col) => col.notNull())
		.addColumn('raw_hash', 'text', (col) => col.notNull().references('workflow_blobs.raw_hash'))
		.addColumn('n8n_updated_at', 'text')
		.addColumn('synced_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('workflow_inventory_pk', ['environment_id', 'n8n_id'])
		.execute();
	await db.schema.createIndex('workflow_inventory_canonical').on('workflow_inventory').column('canonical_id').execute();

	await db.schema
		.createTable('credential_inventory')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('n8n_id', 'text', (col) => col.notNull())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('type', 'text', (col) => col.notNull())
		.addColumn('synced_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('credential_inventory_pk', ['environment_id', 'n8n_id'])
		.execute();

	await db.schema.alterTable('environments').addColumn('last_sync_at', 'text').execute();
}
