import { type Kysely, sql } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one to the registry instead.
// A snapshot item keeps its workflow's canonical id, which replaces the table of ids moved by restore.
export async function up(db: Kysely<unknown>): Promise<void> {
	await db.schema
		.alterTable('snapshot_items')
		.addColumn('canonical_id', 'text', (col) => col.references('canonical_workflows.id').onDelete('set null'))
		.execute();
	await sql`
		UPDATE snapshot_items SET canonical_id = (
			SELECT workflow_inventory.canonical_id FROM workflow_inventory
			JOIN snapshots ON snapshots.id = snapshot_items.snapshot_id
			WHERE workflow_inventory.environment_id = snapshots.environment_id
				AND workflow_inventory.n8n_id = snapshot_items.n8n_id
		)`.execute(db);
	const moves = (
		await sql<{
			environment_id: string;
			from_n8n_id: string;
			to_n8n_id: string;
		}>`SELECT environment_id, from_n8n_id, to_n8n_id FROM workflow_moves`.execute(db)
	).rows;
	const movedTo = new Map(moves.map((move) => [`${move.environment_id} ${move.from_n8n_id}`, move.to_n8n_id]));
	for (const move of moves) {
		let to = move.to_n8n_id;
		for (let hops = 0; movedTo.has(`${move.environment_id} ${to}`) && hops < moves.length; hops += 1)
			to = movedTo.get(`${move.environment_id} ${to}`)!;
		await sql`
			UPDATE snapshot_items SET canonical_id = (
				SELECT canonical_id FROM workflow_inventory WHERE environment_id = ${move.environment_id} AND n8n_id = ${to}
			)
			WHERE n8n_id = ${move.from_n8n_id}
				AND snapshot_id IN (SELECT id FROM snapshots WHERE environment_id = ${move.environment_id})`.execute(db);
	}
	await db.schema.dropTable('workflow_moves').execute();
	await db.schema.createIndex('snapshot_items_canonical').on('snapshot_items').column('canonical_id').execute();
}
