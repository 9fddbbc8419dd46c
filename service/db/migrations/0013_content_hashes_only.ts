import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// The normalised JSON of each content was written and never read: it is derived from the raw export
	// whenever needed, so the store keeps the content hashes alone.
	await db.schema.alterTable('workflow_contents').dropColumn('normalized').execute();
}
