import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('changes')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('kind', 'text', (col) => col.notNull())
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('subject', 'text', (col) => col.notNull())
		.addColumn('description', 'text', (col) => col.notNull())
		.addColumn('safety_snapshot_id', 'text', (col) => col.references('snapshots.id').onDelete('set null'))
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('error', 'text')
		.addColumn('started_at', 'text', (col) => col.notNull())
		.addColumn('finished_at', 'text')
		.execute();
	// One change at a time per instance: a second insert while one runs breaks this index.
	await db.schema
		.createIndex('changes_one_running')
		.on('changes')
		.column('environment_id')
		.unique()
		.where(sql.ref('status'), '=', 'running')
		.execute();
	await db.schema.createIndex('changes_subject').on('changes').column('subject').execute();
	await db.schema
		.createTable('change_steps')
		.addColumn('change_id', 'text', (col) => col.notNull().references('changes.id').onDelete('cascade'))
		.addColumn('seq', 'integer', (col) => col.notNull())
		.addColumn('action', 'text', (col) => col.notNull())
		// The workflow's id before the step (null for a create), and after it (a create's new id).
		.addColumn('workflow_id', 'text')
		.addColumn('result_id', 'text')
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('expected_hash', 'text')
		.addColumn('state', 'text', (col) => col.notNull())
		.addColumn('error', 'text')
		.addColumn('intent_at', 'text', (col) => col.notNull())
		.addColumn('done_at', 'text')
		.addPrimaryKeyConstraint('change_steps_pk', ['change_id', 'seq'])
		.execute();
	// A rollback of a completed promotion is a promotion of its own, naming the one it undoes.
	await db.schema
		.alterTable('promotions')
		.addColumn('rollback_of', 'text', (col) => col.references('promotions.id').onDelete('set null'))
		.execute();
}
