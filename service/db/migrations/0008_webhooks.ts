import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('webhook_subscriptions')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('url', 'text', (col) => col.notNull())
		.addColumn('events', 'text', (col) => col.notNull())
		// Sealed: the companion signs with it, so it is kept, encrypted.
		.addColumn('secret_sealed', 'text', (col) => col.notNull())
		.addColumn('description', 'text', (col) => col.notNull())
		.addColumn('created_by', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createTable('webhook_deliveries')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('subscription_id', 'text', (col) =>
			col.notNull().references('webhook_subscriptions.id').onDelete('cascade'),
		)
		.addColumn('event_id', 'text', (col) => col.notNull())
		.addColumn('event_type', 'text', (col) => col.notNull())
		.addColumn('payload', 'text', (col) => col.notNull())
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('attempts', 'integer', (col) => col.notNull())
		.addColumn('response_status', 'integer')
		.addColumn('error', 'text')
		.addColumn('next_attempt_at', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('delivered_at', 'text')
		.execute();
	await db.schema
		.createIndex('webhook_deliveries_subscription')
		.on('webhook_deliveries')
		.columns(['subscription_id', 'created_at'])
		.execute();
	await db.schema.createIndex('webhook_deliveries_pending').on('webhook_deliveries').column('status').execute();
}
