import crypto from 'node:crypto';
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
		const ofBatch = sql<boolean>`(environment_id, n8n_id) in (${batchKeys})`;
		const before = await trx
			.selectFrom('workflow_search_rows')
			.select('document_id')
			.distinct()
			.where(ofBatch)
			.execute();
		await trx.deleteFrom('workflow_search_rows').where(ofBatch).execute();

		const present = stale.flatMap(({ raw, ...row }) => {
			if (raw === null) return [];
			const document = {
				name: row.name!,
				tags: row.tags!,
				...nodeText(row.node_types!, JSON.parse(raw) as N8nWorkflow),
			};
			return [{ ...row, document, textHash: hashOf(document) }];
		});
		const documentIds = await documentsFor(
			trx,
			present.map(({ document, textHash }) => ({ document, textHash })),
		);
		if (present.length)
			await trx
				.insertInto('workflow_search_rows')
				.values(
					present.map(({ environment_id, n8n_id, textHash }) => ({
						environment_id,
						n8n_id,
						document_id: documentIds.get(textHash)!,
					})),
				)
				.execute();
		await dropUnused(
			trx,
			before.map((row) => row.document_id),
		);
		await trx.deleteFrom('workflow_search_stale').where(inBatch).execute();
		return stale.length;
	});
}

interface SearchDocument {
	name: string;
	nodes: string;
	tags: string;
	credentials: string;
	parameters: string;
}

const hashOf = (document: SearchDocument) =>
	crypto
		.createHash('sha256')
		.update(JSON.stringify([document.name, document.nodes, document.tags, document.credentials, document.parameters]))
		.digest('hex');

/** The number of each document, indexing those not indexed yet (a document is indexed once, however many rows have it). */
async function documentsFor(
	trx: Db,
	documents: Array<{ document: SearchDocument; textHash: string }>,
): Promise<Map<string, number>> {
	const distinct = new Map(documents.map((entry) => [entry.textHash, entry.document]));
	if (!distinct.size) return new Map();
	const numbered = async () =>
		new Map(
			(
				await trx
					.selectFrom('workflow_search_documents')
					.select(['id', 'text_hash'])
					.where('text_hash', 'in', [...distinct.keys()])
					.execute()
			).map((row) => [row.text_hash, row.id]),
		);
	const known = await numbered();
	const fresh = [...distinct.keys()].filter((textHash) => !known.has(textHash));
	if (!fresh.length) return known;
	await trx
		.insertInto('workflow_search_documents')
		.values(fresh.map((text_hash) => ({ text_hash })))
		.execute();
	const ids = await numbered();
	await trx
		.insertInto('workflow_search_text')
		.values(fresh.map((textHash) => ({ rowid: ids.get(textHash)!, ...distinct.get(textHash)! })))
		.execute();
	return ids;
}

/** Drops those of the documents that no inventory row has any more. */
async function dropUnused(trx: Db, documentIds: number[]): Promise<void> {
	if (!documentIds.length) return;
	const unused = (
		await trx
			.selectFrom('workflow_search_documents')
			.select('id')
			.where('id', 'in', documentIds)
			.where(({ not, exists, selectFrom }) =>
				not(
					exists(
						selectFrom('workflow_search_rows')
							.select('n8n_id')
							.whereRef('document_id', '=', 'workflow_search_documents.id'),
					),
				),
			)
			.execute()
	).map((row) => row.id);
	if (!unused.length) return;
	await trx.deleteFrom('workflow_search_text').where('rowid', 'in', unused).execute();
	await trx.deleteFrom('workflow_search_documents').where('id', 'in', unused).execute();
}

/** What search reads of a workflow's nodes: types and names, the credentials' names, every parameter string. */
function nodeText(
	nodeTypes: string,
	workflow: N8nWorkflow,
): Pick<SearchDocument, 'nodes' | 'credentials' | 'parameters'> {
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
