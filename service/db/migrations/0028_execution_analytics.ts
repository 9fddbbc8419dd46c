import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Analytics over the execution index.
// - executions.error_group: a failure's redacted message with ids and numbers taken out, so the same
//   error counts once however its details vary.
// - execution_rollups: per environment, workflow and hour (UTC, 'YYYY-MM-DDTHH'), the counts by
//   status, the durations' sum, count and maximum, and how many fell in each of the duration buckets
//   b0..b15 (under 10 ms, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 25, 60 s, 5, 15, 60 min, longer),
//   which the percentiles are read from; execution_daily_rollups the same per day ('YYYY-MM-DD'), for
//   long ranges; error_rollups, per environment, workflow, day and error group, how many, the last
//   and one example. The indexing job rewrites the hours and days it touched.
// - cost_models: per environment, a price per execution, per execution-second and per node type.
const BUCKETS = 16;

export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable('executions').addColumn('error_group', 'text').execute();
	for (const [table, period] of [
		['execution_rollups', 'hour'],
		['execution_daily_rollups', 'day'],
	] as const) {
		let rollups = db.schema
			.createTable(table)
			.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
			.addColumn('workflow_id', 'text', (col) => col.notNull())
			.addColumn(period, 'text', (col) => col.notNull())
			.addColumn('total', 'integer', (col) => col.notNull())
			.addColumn('succeeded', 'integer', (col) => col.notNull())
			.addColumn('failed', 'integer', (col) => col.notNull())
			.addColumn('canceled', 'integer', (col) => col.notNull())
			.addColumn('duration_count', 'integer', (col) => col.notNull())
			.addColumn('duration_sum_ms', 'integer', (col) => col.notNull())
			.addColumn('duration_max_ms', 'integer', (col) => col.notNull());
		for (let bucket = 0; bucket < BUCKETS; bucket++)
			rollups = rollups.addColumn(`b${bucket}`, 'integer', (col) => col.notNull());
		await rollups.addPrimaryKeyConstraint(`${table}_pk`, ['environment_id', 'workflow_id', period]).execute();
		await sql`CREATE INDEX ${sql.raw(`${table}_${period}`)} ON ${sql.table(table)} (${sql.ref(period)}, environment_id)`.execute(
			db,
		);
	}
	await db.schema
		.createTable('error_rollups')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('workflow_id', 'text', (col) => col.notNull())
		.addColumn('day', 'text', (col) => col.notNull())
		.addColumn('error_group', 'text', (col) => col.notNull())
		.addColumn('count', 'integer', (col) => col.notNull())
		.addColumn('last_at', 'text', (col) => col.notNull())
		.addColumn('example', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('error_rollups_pk', ['environment_id', 'workflow_id', 'day', 'error_group'])
		.execute();
	await sql`CREATE INDEX error_rollups_day ON error_rollups (day, environment_id)`.execute(db);
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
