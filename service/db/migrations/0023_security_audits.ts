import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// Each environment's latest security audit, as its n8n generated it (POST /api/v1/audit).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.createTable('security_audits')
		.addColumn('environment_id', 'text', (col) => col.primaryKey().references('environments.id').onDelete('cascade'))
		.addColumn('report', 'text', (col) => col.notNull())
		.addColumn('generated_at', 'text', (col) => col.notNull())
		.execute();
}
