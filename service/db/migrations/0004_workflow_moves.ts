import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// n8n gives a re-created workflow a new id; restore records it so snapshots still find the workflow.
	await db.schema
		.createTable('workflow_moves')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('from_n8n_id', 'text', (col) => col.notNull())
		.addColumn('to_n8n_id', 'text', (col) => col.notNull())
		.addColumn('moved_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('workflow_moves_pk', ['environment_id', 'from_n8n_id'])
		.execute();
}
