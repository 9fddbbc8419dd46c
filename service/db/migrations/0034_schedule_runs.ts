import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Each scheduled run (a task at one tick) claimed by the one companion process that runs it, so that
// several processes on one database run every tick once.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('schedule_runs')
		.addColumn('key', 'text', (col) => col.primaryKey())
		.addColumn('claimed_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema.createIndex('schedule_runs_claimed_at').on('schedule_runs').column('claimed_at').execute();
}
