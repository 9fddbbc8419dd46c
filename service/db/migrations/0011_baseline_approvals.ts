import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// When the environment's baseline was last approved, even when it approved no workflow at all (an
	// empty instance is a real baseline: whatever appears later is drift).
	await db.schema.alterTable('environments').addColumn('baseline_approved_at', 'text').execute();
	await sql`update environments set baseline_approved_at =
		(select max(approved_at) from baselines where baselines.environment_id = environments.id)`.execute(db);
}
