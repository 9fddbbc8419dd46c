import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
export async function up(db: Kysely<unknown>): Promise<void> {
	// The approved state: references into the content store, no second copy.
	await db.schema
		.createTable('baselines')
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('n8n_id', 'text', (col) => col.notNull())
		.addColumn('name', 'text', (col) => col.notNull())
		.addColumn('content_hash', 'text', (col) => col.notNull())
		.addColumn('raw_hash', 'text', (col) => col.notNull().references('workflow_blobs.raw_hash'))
		.addColumn('approved_by', 'text')
		.addColumn('approved_at', 'text', (col) => col.notNull())
		.addPrimaryKeyConstraint('baselines_pk', ['environment_id', 'n8n_id'])
		.execute();
	await db.schema
		.createTable('drift_checks')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('trigger', 'text', (col) => col.notNull())
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('error', 'text')
		.addColumn('counts', 'text', (col) => col.notNull())
		.addColumn('items', 'text', (col) => col.notNull())
		.addColumn('started_by', 'text')
		.addColumn('started_at', 'text', (col) => col.notNull())
		.addColumn('finished_at', 'text', (col) => col.notNull())
		.execute();
	await db.schema
		.createIndex('drift_checks_environment')
		.on('drift_checks')
		.columns(['environment_id', 'started_at'])
		.execute();
	await db.schema
		.createTable('incidents')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('environment_id', 'text', (col) => col.notNull().references('environments.id').onDelete('cascade'))
		.addColumn('status', 'text', (col) => col.notNull())
		.addColumn('severity', 'text', (col) => col.notNull())
		.addColumn('items', 'text', (col) => col.notNull())
		.addColumn('last_check_id', 'text', (col) => col.notNull())
		.addColumn('opened_at', 'text', (col) => col.notNull())
		.addColumn('updated_at', 'text', (col) => col.notNull())
		.addColumn('sla_due_at', 'text', (col) => col.notNull())
		.addColumn('sla_breached_at', 'text')
		.addColumn('acknowledged_by', 'text')
		.addColumn('acknowledged_at', 'text')
		.addColumn('acknowledge_note', 'text')
		.addColumn('resolution', 'text')
		.addColumn('resolved_by', 'text')
		.addColumn('resolved_at', 'text')
		.addColumn('resolve_note', 'text')
		.execute();
	await db.schema.createIndex('incidents_environment').on('incidents').columns(['environment_id', 'status']).execute();
	// At most one incident open (OPEN or ACKNOWLEDGED) per environment, whatever runs at once.
	await db.schema
		.createIndex('incidents_one_open')
		.on('incidents')
		.column('environment_id')
		.unique()
		.where(sql<boolean>`status <> 'RESOLVED'`)
		.execute();
	// Per-severity SLA hours overriding the defaults, as JSON; null keeps the defaults.
	await db.schema.alterTable('environments').addColumn('incident_sla_hours', 'text').execute();
}
