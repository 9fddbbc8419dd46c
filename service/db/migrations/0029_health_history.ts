import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Every health check of every environment (scheduled or by hand), as a time series; and each
// environment's state, down after two failed checks in a row and up at the next good one.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('health_samples')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('at', 'text', (col) => col.notNull())
		.addColumn('ok', 'integer', (col) => col.notNull())
		.addColumn('latency_ms', 'integer', (col) => col.notNull())
		.addColumn('version', 'text')
		.addColumn('error', 'text')
		.addPrimaryKeyConstraint('health_samples_pk', ['environment_id', 'at'])
		.execute();
	await db.schema
		.createTable('environment_health')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('state', 'text', (col) => col.notNull())
		.addColumn('failures', 'integer', (col) => col.notNull())
		.addColumn('since', 'text', (col) => col.notNull())
		.execute();
}
