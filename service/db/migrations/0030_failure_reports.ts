import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Failures pushed by the reporting workflow the companion installs into an environment (and those the
// execution index announced), one row per execution: the events are deduplicated and grouped on them.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('failure_reporting')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('secret_sealed', 'text', (col) => col.notNull())
		.addColumn('workflow_id', 'text', (col) => col.notNull())
		.addColumn('companion_url', 'text', (col) => col.notNull())
		.addColumn('installed_at', 'text', (col) => col.notNull())
		.addColumn('installed_by', 'text')
		.addColumn('last_received_at', 'text')
		.execute();
	await db.schema
		.createTable('failure_reports')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('execution_id', 'text', (col) => col.notNull())
		.addColumn('workflow_id', 'text', (col) => col.notNull())
		.addColumn('workflow_name', 'text')
		.addColumn('failed_node', 'text')
		.addColumn('error_message', 'text')
		.addColumn('source', 'text', (col) => col.notNull())
		.addColumn('received_at', 'text', (col) => col.notNull())
		.addColumn('announced_at', 'text')
		.addPrimaryKeyConstraint('failure_reports_pk', ['environment_id', 'execution_id'])
		.execute();
	await db.schema
		.createIndex('failure_reports_by_workflow')
		.on('failure_reports')
		.columns(['environment_id', 'workflow_id', 'received_at'])
		.execute();
	await db.schema.createIndex('failure_reports_by_time').on('failure_reports').column('received_at').execute();
}
