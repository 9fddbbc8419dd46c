import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The companion processes serving one database (replicas), which of them runs each piece of
// background work (a replica found dead leaves its work to the one that finds it), and the state they
// share that lived in one process's memory: drift checks under way, failed sign-ins.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('replicas')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('lock_key', 'integer', (col) => col.notNull().unique())
		.addColumn('host', 'text', (col) => col.notNull())
		.addColumn('pid', 'integer', (col) => col.notNull())
		.addColumn('started_at', 'text', (col) => col.notNull())
		.execute();
	for (const table of ['jobs', 'changes', 'operation_requests', 'webhook_deliveries'])
		await db.schema.alterTable(table).addColumn('replica_id', 'text').execute();
	await db.schema
		.createTable('running_drift_checks')
		.addColumn('environment_id', 'text', (col) => col.primaryKey())
		.addColumn('replica_id', 'text', (col) => col.notNull())
		.addColumn('started_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createTable('login_attempts')
		.addColumn('key', 'text', (col) => col.primaryKey())
		.addColumn('hits', 'integer', (col) => col.notNull())
		.addColumn('reset_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema.createIndex('login_attempts_reset_at').on('login_attempts').column('reset_at').execute();
}
