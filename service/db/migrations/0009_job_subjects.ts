import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// What a job acts on, beyond its environment (e.g. "snapshot:<id>", "incident:<id>"), so the page of
	// that thing can show how its last restore or revert went.
	await db.schema.alterTable('jobs').addColumn('subject', 'text').execute();
	await db.schema.createIndex('jobs_subject').on('jobs').columns(['subject', 'created_at']).execute();
}
