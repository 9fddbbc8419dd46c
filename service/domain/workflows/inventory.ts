import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import { jsonArrayHas } from '../../db/dialect';
import { containsText } from '../../db/like';
import type { InventoryRow } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { notFound } from '../errors';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';

export const inventoryQuerySchema = pageQuerySchema.extend({
	q: z.string().min(1).optional().describe('part of the workflow name'),
	nodeType: z.string().min(1).optional().describe('workflows using this node type, e.g. n8n-nodes-base.httpRequest'),
	tag: z.string().min(1).optional(),
	active: z.enum(['true', 'false']).optional(),
});
export type InventoryQuery = z.infer<typeof inventoryQuerySchema>;

export interface InventoryWorkflow {
	id: string;
	canonicalId: string;
	name: string;
	active: boolean;
	tags: string[];
	nodeTypes: string[];
	nodeCount: number;
	contentHash: string;
	updatedAt: string | null;
	syncedAt: string;
}

type SyncedRow = InventoryRow & { last_sync_at: string | null };

const toInventoryWorkflow = (row: SyncedRow): InventoryWorkflow => ({
	id: row.n8n_id,
	canonicalId: row.canonical_id,
	name: row.name,
	active: row.active === 1,
	tags: JSON.parse(row.tags) as string[],
	nodeTypes: JSON.parse(row.node_types) as string[],
	nodeCount: row.node_count,
	contentHash: row.content_hash,
	updatedAt: row.n8n_updated_at,
	syncedAt: row.last_sync_at ?? '',
});

/** Inventory rows with when their environment was last synced. */
const inventoryRows = (db: Db) =>
	db
		.selectFrom('workflow_inventory')
		.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
		.selectAll('workflow_inventory')
		.select('environments.last_sync_at');

/** The synced inventory of an environment, by name; the cursor is an offset. */
export async function listInventory(
	db: Db,
	environmentId: string,
	query: InventoryQuery,
): Promise<Page<InventoryWorkflow>> {
	let select = inventoryRows(db).where('workflow_inventory.environment_id', '=', environmentId);
	if (query.q) select = select.where(containsText(sql.ref('workflow_inventory.name'), query.q));
	if (query.active) select = select.where('workflow_inventory.active', '=', query.active === 'true' ? 1 : 0);
	if (query.tag) select = select.where(jsonArrayHas(db, 'tags', query.tag));
	if (query.nodeType) select = select.where(jsonArrayHas(db, 'node_types', query.nodeType));
	return offsetPage(
		query,
		(limit, offset) =>
			select.orderBy('workflow_inventory.name').orderBy('n8n_id').limit(limit).offset(offset).execute(),
		toInventoryWorkflow,
	);
}

/** How many workflows the last sync of an environment found. */
export async function countInventory(db: Db, environmentId: string): Promise<number> {
	const { count } = await db
		.selectFrom('workflow_inventory')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('environment_id', '=', environmentId)
		.executeTakeFirstOrThrow();
	return Number(count);
}

/** The canonical id of each workflow of the environment's inventory, by n8n id. */
export async function canonicalIds(db: Db, environmentId: string): Promise<Map<string, string>> {
	const rows = await db
		.selectFrom('workflow_inventory')
		.select(['n8n_id', 'canonical_id'])
		.where('environment_id', '=', environmentId)
		.execute();
	return new Map(rows.map((row) => [row.n8n_id, row.canonical_id]));
}

export interface InventoryWorkflowDetail extends InventoryWorkflow {
	/** The workflow exactly as n8n returned it at the last sync. */
	workflow: N8nWorkflow;
}

export async function getInventoryWorkflow(
	db: Db,
	environmentId: string,
	n8nId: string,
): Promise<InventoryWorkflowDetail> {
	const row = await inventoryRows(db)
		.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'workflow_inventory.raw_hash')
		.select('workflow_blobs.raw')
		.where('workflow_inventory.environment_id', '=', environmentId)
		.where('n8n_id', '=', n8nId)
		.executeTakeFirst();
	if (!row) throw notFound('Workflow');
	return { ...toInventoryWorkflow(row), workflow: JSON.parse(row.raw) as N8nWorkflow };
}

/** Every synced workflow of an environment as n8n exported it, by name. */
export async function syncedExports(db: Db, environmentId: string): Promise<N8nWorkflow[]> {
	const rows = await db
		.selectFrom('workflow_inventory')
		.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'workflow_inventory.raw_hash')
		.select('workflow_blobs.raw')
		.where('workflow_inventory.environment_id', '=', environmentId)
		.orderBy('workflow_inventory.name')
		.execute();
	return rows.map(({ raw }) => JSON.parse(raw) as N8nWorkflow);
}
