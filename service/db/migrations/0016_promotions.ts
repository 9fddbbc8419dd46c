import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('promotions')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('source_environment_id', 'text', (col) =>
			col.notNull().references('environments.id').onDelete('cascade'),
		)
		.addColumn('target_environment_id', 'text', (col) =>
			col.notNull().references('environments.id').onDelete('cascade'),
		)
		.addColumn('pipeline_id', 'text', (col) => col.references('pipelines.id').onDelete('set null'))
		.addColumn('status', 'text', (col) => col.notNull())
		// The request as made, the gates it runs under, and the plan: immutable once stored.
		.addColumn('request', 'text', (col) => col.notNull())
		.addColumn('stage', 'text', (col) => col.notNull())
		.addColumn('plan', 'text', (col) => col.notNull())
		.addColumn('plan_hash', 'text', (col) => col.notNull())
		.addColumn('required_approvals', 'integer', (col) => col.notNull())
		.addColumn('reason', 'text', (col) => col.notNull())
		.addColumn('requested_by_type', 'text', (col) => col.notNull())
		.addColumn('requested_by_id', 'text')
		.addColumn('requested_by', 'text', (col) => col.notNull())
		.addColumn('idempotency_key', 'text')
		.addColumn('request_hash', 'text', (col) => col.notNull())
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createIndex('promotions_idempotency')
		.on('promotions')
		.columns(['requested_by_type', 'requested_by_id', 'idempotency_key'])
		.unique()
		.execute();
	await db.schema.createIndex('promotions_created').on('promotions').column('created_at').execute();
	await db.schema
		.createTable('promotion_decisions')
		.addColumn('promotion_id', 'text', (col) => col.notNull().references('promotions.id').onDelete('cascade'))
		.addColumn('decision', 'text', (col) => col.notNull())
		.addColumn('actor_type', 'text', (col) => col.notNull())
		.addColumn('actor_id', 'text', (col) => col.notNull())
		.addColumn('actor_name', 'text', (col) => col.notNull())
		.addColumn('decided_by', 'text')
		.addColumn('comment', 'text', (col) => col.notNull())
		.addColumn('plan_hash', 'text', (col) => col.notNull())
		.addColumn('decided_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('promotion_decisions_pk', ['promotion_id', 'actor_type', 'actor_id'])
		.execute();
}
