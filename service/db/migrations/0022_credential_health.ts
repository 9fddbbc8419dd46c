import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The last test of each credential n8n can test (2.x): apart from the credential inventory, which a
// sync replaces.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('credential_health')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('credential_id', 'text', (col) => col.notNull())
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('message', 'text', (col) => col.notNull())
		.addColumn('tested_at', 'text', (col) => col.notNull())
		.addColumn('failing_since', 'text')
		.addPrimaryKeyConstraint('credential_health_pk', ['environment_id', 'credential_id'])
		.execute();
}
