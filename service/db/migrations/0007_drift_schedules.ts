import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// An environment without a row runs the default schedule of its class.
	await db.schema
		.createTable('drift_schedules')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('cron', 'text', (col) => col.notNull())
		.addColumn('enabled', 'integer', (col) => col.notNull())
		.addColumn('updated_by', 'text')
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
	// What the last scheduled check did, whichever schedule ran it.
	await db.schema.alterTable('environments').addColumn('last_scheduled_check_at', 'text').execute();
	await db.schema.alterTable('environments').addColumn('last_scheduled_check_error', 'text').execute();
}
