import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// A sync leaves unchanged rows as they are: when a workflow was last synced is its environment's
	// last_sync_at, not a copy on every row.
	await db.schema.alterTable('workflow_inventory').dropColumn('synced_at').execute();
}
