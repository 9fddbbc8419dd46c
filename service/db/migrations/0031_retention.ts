import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// - retention_settings: how long each kind of data is kept (one row; absent, the defaults).
// - audit_signing_key: the Ed25519 key that signs audit exports' manifests (one row, made on first use;
//   the private key sealed like every other secret).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('retention_settings')
		.addColumn('id', 'integer', (col) => col.primaryKey())
		.addColumn('settings', 'text', (col) => col.notNull())
		.addColumn('updated_by', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createTable('audit_signing_key')
		.addColumn('id', 'integer', (col) => col.primaryKey())
		.addColumn('public_key', 'text', (col) => col.notNull())
		.addColumn('private_key_sealed', 'text', (col) => col.notNull())
		.addColumn('created_at', 'text', (col) => col.notNull())
		.execute();
}
