import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { N8nWorkflow } from '../../n8n/workflow-body';

const BATCH = 500;

/**
 * Re-indexes the inventory rows written since the index last did (triggers mark them: migration 0020),
 * in batches of one transaction each; returns how many. Searches call it first, so they never read a
 * stale index, while a sync pays only for the marks.
 */
export async function catchUpSearchIndex(db: Db): Promise<number> {
	if (!(await db.selectFrom('workflow_search_stale').select('n8n_id').limit(1).executeTakeFirst())) return 0;
	let indexed = 0;
	for (let done = -1; done !== 0; indexed += done) done = await indexBatch(db);
	return indexed;
}

async function indexBatch(db: Db): Promise<number> {
	return db.transaction().execute(async (trx) => {
		const stale = await trx
			.selectFrom('workflow_search_stale as stale')
			.leftJoin('workflow_inventory as inventory', (join) =>
				join
					.onRef('inventory.environment_id', '=', 'stale.environment_id')
					.onRef('inventory.n8n_id', '=', 'stale.n8n_id'),
			)
			.leftJoin('workflow_blobs as blob', 'blob.raw_hash', 'inventory.raw_hash')
			.select([
				'stale.environment_id',
				'stale.n8n_id',
				'inventory.name',
				'inventory.node_types',
				'inventory.tags',
				'blob.raw',
			])
			.orderBy('stale.environment_id')
			.orderBy('stale.n8n_id')
			.limit(BATCH)
			.execute();
		if (!stale.length) return 0;
		const last = stale[stale.length - 1];
		const inBatch = sql<boolean>`(environment_id, n8n_id) <= (${last.environment_id}, ${last.n8n_id})`;
		const batchKeys = trx.selectFrom('workflow_search_stale').select(['environment_id', 'n8n_id']).where(inBatch);
		await trx
			.deleteFrom('workflow_search')
			.where('rowid', 'in', (eb) =>
				eb
					.selectFrom('workflow_search_keys')
					.select('id')
					.where(sql<boolean>`(environment_id, n8n_id) in (${batchKeys})`),
			)
			.execute();
		await trx
			.deleteFrom('workflow_search_keys')
			.where(sql<boolean>`(environment_id, n8n_id) in (${batchKeys})`)
			.execute();
		const present = stale.filter((row) => row.raw !== null);
		if (present.length) {
			const keys = await trx
				.insertInto('workflow_search_keys')
				.values(present.map(({ environment_id, n8n_id }) => ({ environment_id, n8n_id })))
				.returning('id')
				.execute();
			await trx
				.insertInto('workflow_search')
				.values(
					present.map((row, i) => ({
						rowid: keys[i].id,
						environment_id: row.environment_id,
						name: row.name!,
						tags: row.tags!,
						...nodeText(row.node_types!, JSON.parse(row.raw!) as N8nWorkflow),
					})),
				)
				.execute();
		}
		await trx.deleteFrom('workflow_search_stale').where(inBatch).execute();
		return stale.length;
	});
}

/** What search reads of a workflow's nodes: types and names, the credentials' names, every parameter string. */
function nodeText(
	nodeTypes: string,
	workflow: N8nWorkflow,
): { nodes: string; credentials: string; parameters: string } {
	const names: string[] = [];
	const credentials: string[] = [];
	const parameters: string[] = [];
	for (const node of workflow.nodes ?? []) {
		if (!node || typeof node !== 'object') continue;
		if (typeof node.name === 'string') names.push(node.name);
		// Old exports name a credential by a bare string, newer ones by {id, name}.
		for (const credential of Object.values(node.credentials ?? {})) {
			const name = typeof credential === 'string' ? credential : credential?.name;
			if (typeof name === 'string') credentials.push(name);
		}
		collectStrings(node.parameters, parameters);
	}
	// A string repeated in many nodes (a URL, a header) is indexed once: fewer instances for ranking to read.
	return {
		nodes: `${nodeTypes} ${names.join(' ')}`,
		credentials: credentials.join(' '),
		parameters: [...new Set(parameters)].join(' '),
	};
}

function collectStrings(value: unknown, into: string[]): void {
	if (typeof value === 'string') into.push(value);
	else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
	else if (value && typeof value === 'object') for (const item of Object.values(value)) collectStrings(item, into);
}
