import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The content rules as admins set them (one row; absent, the built-in defaults).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('content_rule_settings')
		.addColumn('id', 'integer', (col) => col.primaryKey())
		.addColumn('settings', 'text', (col) => col.notNull())
		.addColumn('updated_by', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
}
