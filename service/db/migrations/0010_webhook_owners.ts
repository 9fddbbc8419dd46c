import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// Who subscribed (a user's or a token's id): a developer manages their own subscriptions, an admin
	// all of them. Subscriptions made before have none, so only admins manage those.
	await db.schema.alterTable('webhook_subscriptions').addColumn('owner_id', 'text').execute();
}
