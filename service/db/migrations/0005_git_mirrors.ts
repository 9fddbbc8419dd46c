import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('git_mirrors')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('api_url', 'text', (col) => col.notNull())
		.addColumn('owner', 'text', (col) => col.notNull())
		.addColumn('repo', 'text', (col) => col.notNull())
		.addColumn('branch', 'text', (col) => col.notNull())
		.addColumn('path_prefix', 'text', (col) => col.notNull())
		.addColumn('token_sealed', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createTable('snapshot_pushes')
		.addColumn('snapshot_id', 'text', (col) => col.notNull().references('snapshots.id').onDelete('cascade'))
		.addColumn('commit_sha', 'text', (col) => col.notNull())
		.addColumn('url', 'text', (col) => col.notNull())
		.addColumn('pushed_by', 'text')
		.addColumn('pushed_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema.createIndex('snapshot_pushes_snapshot').on('snapshot_pushes').column('snapshot_id').execute();
}
