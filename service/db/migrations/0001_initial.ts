import { type Kysely, sql } from 'kysely';
import { appendOnly, uniqueIgnoringCase } from './portable';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('users')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('email', 'text', (col) => col.notNull().unique())
		.addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('viewer', 'developer', 'admin')`))
		.addColumn('password_hash', 'text', (col) => col.notNull())
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('last_login_at', 'text')
		.execute();

	await db.schema
		.createTable('sessions')
		.addColumn('id_hash', 'text', (col) => col.primaryKey())
		.addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('expires_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

	await db.schema
		.createTable('api_tokens')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('viewer', 'developer', 'admin')`))
		.addColumn('token_hash', 'text', (col) => col.notNull().unique())
		.addColumn('token_prefix', 'text', (col) => col.notNull())
		.addColumn('created_by', 'text')
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('last_used_at', 'text')
		.addColumn('revoked_at', 'text')
		.execute();

	await db.schema
		.createTable('environments')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('base_url', 'text', (col) => col.notNull())
		.addColumn('class', 'text', (col) => col.notNull().check(sql`class in ('dev', 'staging', 'prod')`))
		.addColumn('api_key_sealed', 'text', (col) => col.notNull())
		.addColumn('notes', 'text', (col) => col.notNull().defaultTo(''))
		.addColumn('created_at', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.addColumn('last_test_at', 'text')
		.addColumn('last_test_result', 'text')
		.execute();
	await uniqueIgnoringCase(db, 'environments_name_nocase', 'environments', 'name');

	await db.schema
		.createTable('audit_log')
		.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
		.addColumn('at', 'text', (col) => col.notNull())
		.addColumn('actor_type', 'text', (col) => col.notNull())
		.addColumn('actor_id', 'text')
		.addColumn('actor_name', 'text')
		.addColumn('n8n_workflow_id', 'text')
		.addColumn('n8n_execution_id', 'text')
		.addColumn('action', 'text', (col) => col.notNull())
		.addColumn('resource_type', 'text')
		.addColumn('resource_id', 'text')
		.addColumn('environment_id', 'text')
		.addColumn('metadata', 'text', (col) => col.notNull())
		.addColumn('ip', 'text')
		.addColumn('user_agent', 'text')
		.addColumn('prev_hash', 'text', (col) => col.notNull())
		.addColumn('hash', 'text', (col) => col.notNull())
		.execute();
	for (const column of ['action', 'actor_id', 'actor_name', 'environment_id', 'resource_type', 'resource_id', 'at']) {
		await db.schema.createIndex(`audit_log_${column}`).on('audit_log').columns([column, 'id']).execute();
	}
	await appendOnly(db, 'audit_log');
}
