import type { Db } from '../../db/database';

/**
 * The id each workflow has now in an environment, given the id a snapshot knew it by: n8n gives a
 * re-created workflow a new id, and restore records the move.
 */
export async function currentIds(db: Db, environmentId: string): Promise<(id: string) => string> {
	const rows = await db
		.selectFrom('workflow_moves')
		.select(['from_n8n_id', 'to_n8n_id'])
		.where('environment_id', '=', environmentId)
		.execute();
	const moves = new Map(rows.map((row) => [row.from_n8n_id, row.to_n8n_id]));
	return (id) => {
		for (const seen = new Set<string>(); moves.has(id) && !seen.has(id);) {
			seen.add(id);
			id = moves.get(id)!;
		}
		return id;
	};
}

/** Records that the workflow known as `from` is now `to`, and moves its inventory row with it. */
export async function recordMove(db: Db, environmentId: string, from: string, to: string): Promise<void> {
	await db
		.insertInto('workflow_moves')
		.values({ environment_id: environmentId, from_n8n_id: from, to_n8n_id: to, moved_at: new Date().toISOString() })
		.onConflict((oc) => oc.columns(['environment_id', 'from_n8n_id']).doUpdateSet({ to_n8n_id: to }))
		.execute();
	await db
		.updateTable('workflow_inventory')
		.set({ n8n_id: to })
		.where('environment_id', '=', environmentId)
		.where('n8n_id', '=', from)
		.execute();
}
