import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Analytics over the execution index.
// - executions.error_group: a failure's redacted message with ids and numbers taken out, so the same
//   error counts once however its details vary.
// - execution_rollups: per environment, workflow and hour (UTC, 'YYYY-MM-DDTHH'), the counts by
//   status, the durations' sum, count and maximum, and how many fell in each of the duration buckets
//   b0..b15 (under 10 ms, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 25, 60 s, 5, 15, 60 min, longer),
//   which the percentiles are read from. The indexing job rewrites the hours it touched.
// - cost_models: per environment, a price per execution, per execution-second and per node type.
const BUCKETS = 16;

export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable('executions').addColumn('error_group', 'text').execute();
	let rollups = db.schema
		.createTable('execution_rollups')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('workflow_id', 'text', (col) => col.notNull())
		.addColumn('hour', 'text', (col) => col.notNull())
		.addColumn('total', 'integer', (col) => col.notNull())
		.addColumn('succeeded', 'integer', (col) => col.notNull())
		.addColumn('failed', 'integer', (col) => col.notNull())
		.addColumn('canceled', 'integer', (col) => col.notNull())
		.addColumn('duration_count', 'integer', (col) => col.notNull())
		.addColumn('duration_sum_ms', 'integer', (col) => col.notNull())
		.addColumn('duration_max_ms', 'integer', (col) => col.notNull());
	for (let bucket = 0; bucket < BUCKETS; bucket++)
		rollups = rollups.addColumn(`b${bucket}`, 'integer', (col) => col.notNull());
	await rollups.addPrimaryKeyConstraint('execution_rollups_pk', ['environment_id', 'workflow_id', 'hour']).execute();
	await sql`CREATE INDEX execution_rollups_hour ON execution_rollups (hour, environment_id)`.execute(db);
	await sql`CREATE INDEX executions_error_group ON executions (started_at, error_group) WHERE error_group IS NOT NULL`.execute(
		db,
	);
	await db.schema
		.createTable('cost_models')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('currency', 'text', (col) => col.notNull())
		.addColumn('per_execution', 'real', (col) => col.notNull())
		.addColumn('per_second', 'real', (col) => col.notNull())
		.addColumn('per_node_type', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
}
