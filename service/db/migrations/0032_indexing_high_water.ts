import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// The newest execution number an indexing read everything down to: the next one stops there. Pages
// are written as they come, so a row in `executions` no longer means everything below it is known;
// the index that found the highest number known goes (one less to keep up at each insert).
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema.alterTable('execution_indexing').addColumn('complete_seq', 'integer').execute();
	await sql`UPDATE execution_indexing SET complete_seq =
		(SELECT max(seq) FROM executions WHERE executions.environment_id = execution_indexing.environment_id)`.execute(db);
	await db.schema.dropIndex('executions_environment_seq').execute();
}
