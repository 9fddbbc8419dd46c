import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// Which credential of the target stands for a credential of the source, when names do not say it.
	await db.schema
		.createTable('credential_bindings')
		.addColumn('source_environment_id', 'text', (col) =>
			col.notNull().references('environments.id').onDelete('cascade'),
		)
		.addColumn('source_credential_id', 'text', (col) => col.notNull())
		.addColumn('target_environment_id', 'text', (col) =>
			col.notNull().references('environments.id').onDelete('cascade'),
		)
		.addColumn('target_credential_id', 'text', (col) => col.notNull())
		.addColumn('created_by', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('credential_bindings_pk', [
			'source_environment_id',
			'source_credential_id',
			'target_environment_id',
		])
		.execute();
}
