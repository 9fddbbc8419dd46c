import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// What each environment class allows (rows override the built-in defaults), and the operations
// waiting for another admin's approval under those policies.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('class_policies')
		.addColumn('environment_class', 'text', (col) => col.notNull())
		.addColumn('action', 'text', (col) => col.notNull())
		.addColumn('rule', 'text', (col) => col.notNull())
		.addColumn('updated_by', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('class_policies_pk', ['environment_class', 'action'])
		.execute();
	await db.schema
		.createTable('operation_requests')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('action', 'text', (col) => col.notNull())
		// The operation as asked for, run as it is once approved.
		.addColumn('operation', 'text', (col) => col.notNull())
		.addColumn('summary', 'text', (col) => col.notNull())
		.addColumn('reason', 'text', (col) => col.notNull())
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('requested_by_type', 'text', (col) => col.notNull())
		.addColumn('requested_by_id', 'text')
		.addColumn('requested_by', 'text', (col) => col.notNull())
		.addColumn('outcome', 'text')
		.addColumn('error', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createIndex('operation_requests_status')
		.on('operation_requests')
		.columns(['status', 'created_at'])
		.execute();
	await db.schema
		.createTable('operation_decisions')
		.addColumn('request_id', 'text', (col) => col.notNull().references('operation_requests.id').onDelete('cascade'))
		.addColumn('decision', 'text', (col) => col.notNull())
		.addColumn('actor_type', 'text', (col) => col.notNull())
		.addColumn('actor_id', 'text', (col) => col.notNull())
		.addColumn('actor_name', 'text', (col) => col.notNull())
		.addColumn('decided_by', 'text')
		.addColumn('comment', 'text', (col) => col.notNull())
		.addColumn('decided_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('operation_decisions_pk', ['request_id', 'actor_type', 'actor_id'])
		.execute();
}
