import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('pipelines')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('name', 'text', (col) => col.notNull().unique())
		.addColumn('description', 'text', (col) => col.notNull())
		.addColumn('created_by', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
	// An environment a stage names cannot be removed while the stage exists.
	await db.schema
		.createTable('pipeline_stages')
		.addColumn('pipeline_id', 'text', (col) => col.notNull().references('pipelines.id').onDelete('cascade'))
		.addColumn('position', 'integer', (col) => col.notNull())
		.addColumn('source_environment_id', 'text', (col) =>
			col.notNull().references('environments.id').onDelete('restrict'),
		)
		.addColumn('target_environment_id', 'text', (col) =>
			col.notNull().references('environments.id').onDelete('restrict'),
		)
		.addColumn('required_approvals', 'integer', (col) => col.notNull())
		.addColumn('auto_approve_max_risk', 'text', (col) => col.notNull())
		.addColumn('require_target_in_sync', 'integer', (col) => col.notNull())
		.addColumn('allow_drift_elsewhere', 'integer', (col) => col.notNull())
		.addColumn('windows', 'text', (col) => col.notNull())
		.addColumn('deletions', 'text', (col) => col.notNull())
		.addColumn('include_dependencies', 'integer', (col) => col.notNull())
		.addPrimaryKeyConstraint('pipeline_stages_pk', ['pipeline_id', 'position'])
		.execute();
	await db.schema
		.createIndex('pipeline_stages_environments')
		.on('pipeline_stages')
		.columns(['source_environment_id', 'target_environment_id'])
		.execute();
}
