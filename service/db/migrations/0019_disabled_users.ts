import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// A disabled user keeps their account and audit trail but can neither sign in nor use their tokens.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute();
	await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
}
