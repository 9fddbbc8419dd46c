import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The execution index: what each environment's n8n ran, kept past n8n's own pruning. Never the
// execution's data (items); a failure's message is stored redacted.
// - seq is n8n's id as a number (ids are increasing integers in n8n's database): indexing stops at
//   the highest one known, and executions still running are read again until they end.
// - started_at is n8n's, or when it was first seen for an execution not started yet: lists and
//   their cursors go by it.
// - execution_indexing keeps each environment's last indexing (when, how many, the error).
// - redaction_settings: the patterns applied to error messages (one row; absent, the defaults).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('executions')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('n8n_id', 'text', (col) => col.notNull())
		.addColumn('seq', 'integer', (col) => col.notNull())
		.addColumn('workflow_id', 'text', (col) => col.notNull())
		.addColumn('workflow_name', 'text')
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('mode', 'text', (col) => col.notNull())
		.addColumn('started_at', 'text', (col) => col.notNull())
		.addColumn('stopped_at', 'text')
		.addColumn('duration_ms', 'integer')
		.addColumn('retry_of', 'text')
		.addColumn('retry_success_id', 'text')
		.addColumn('failed_node', 'text')
		.addColumn('error_message', 'text')
		.addColumn('indexed_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('executions_pk', ['environment_id', 'n8n_id'])
		.execute();
	await sql`CREATE INDEX executions_started ON executions (started_at DESC, environment_id DESC, seq DESC)`.execute(db);
	await sql`CREATE INDEX executions_environment_seq ON executions (environment_id, seq DESC)`.execute(db);
	await sql`CREATE INDEX executions_workflow ON executions (environment_id, workflow_id, started_at DESC)`.execute(db);
	await sql`CREATE INDEX executions_open ON executions (environment_id, status) WHERE status IN ('new', 'running', 'waiting')`.execute(
		db,
	);
	await db.schema
		.createTable('execution_indexing')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('indexed_at', 'text', (col) => col.notNull())
		.addColumn('added', 'integer', (col) => col.notNull())
		.addColumn('updated', 'integer', (col) => col.notNull())
		.addColumn('error', 'text')
		.execute();
	await db.schema
		.createTable('redaction_settings')
		.addColumn('id', 'integer', (col) => col.primaryKey())
		.addColumn('settings', 'text', (col) => col.notNull())
		.addColumn('updated_by', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
}
