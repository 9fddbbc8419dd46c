import crypto from 'node:crypto';
import type { Db } from '../../db/database';
import { listedOf } from '../../n8n/list-page';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { prepareWorkflows, type StoredWorkflow, storeWorkflows } from './content-store';
import { canonicalIds } from './inventory';
import { inventoried } from './inventory-sync';

/**
 * The id each workflow has now in an environment, given an id it was known by (in a snapshot, a Git
 * manifest or a reference from another workflow): n8n gives a re-created workflow a new id, and the
 * workflow's canonical id, kept by its inventory row and by the snapshot items that hold it (or by
 * `told`, former ids and their canonical ids a Git manifest names), leads there.
 */
export async function currentIds(
	db: Db,
	environmentId: string,
	told: ReadonlyMap<string, string> = new Map(),
): Promise<(id: string) => string> {
	const inventory = await canonicalIds(db, environmentId);
	const idOfCanonical = new Map([...inventory].map(([n8nId, canonicalId]) => [canonicalId, n8nId]));
	const former = await db
		.selectFrom('snapshot_items')
		.innerJoin('snapshots', 'snapshots.id', 'snapshot_items.snapshot_id')
		.select(['snapshot_items.n8n_id', 'snapshot_items.canonical_id'])
		.distinct()
		.where('snapshots.environment_id', '=', environmentId)
		.where('snapshot_items.canonical_id', 'is not', null)
		.execute();
	const canonicalOf = new Map([...former.map((row) => [row.n8n_id, row.canonical_id] as const), ...told]);
	return (id) => {
		if (inventory.has(id)) return id;
		const canonical = canonicalOf.get(id);
		return (canonical && idOfCanonical.get(canonical)) || id;
	};
}

/**
 * Records that n8n re-created the workflow known as `formerId` as `workflow`: the new id takes the
 * workflow's canonical identity (one is made if it had none) and its inventory row, so snapshots and
 * promotions find it under its new id.
 */
export async function recordRecreated(
	trx: Db,
	environmentId: string,
	formerId: string,
	workflow: N8nWorkflow,
): Promise<void> {
	const canonicalId = (await canonicalIdOf(trx, environmentId, formerId)) ?? (await newCanonical(trx, workflow.name));
	const missing = await trx
		.selectFrom('canonical_workflows')
		.select('id')
		.where('id', '=', canonicalId)
		.where('status', '=', 'MISSING')
		.executeTakeFirst();
	if (missing) {
		const elsewhere = await trx
			.selectFrom('workflow_inventory')
			.select('n8n_id')
			.where('canonical_id', '=', canonicalId)
			.where('environment_id', '!=', environmentId)
			.executeTakeFirst();
		await trx
			.updateTable('canonical_workflows')
			.set({ status: elsewhere ? 'LINKED' : 'UNMAPPED' })
			.where('id', '=', canonicalId)
			.execute();
	}
	await trx
		.deleteFrom('workflow_inventory')
		.where('environment_id', '=', environmentId)
		.where('n8n_id', '=', formerId)
		.execute();
	const [stored] = await prepareWorkflows(trx, [listedOf(workflow)]);
	await storeWorkflows(trx, [stored]);
	await putInventoryRow(trx, environmentId, stored, canonicalId);
	await trx
		.updateTable('snapshot_items')
		.set({ canonical_id: canonicalId })
		.where('n8n_id', '=', formerId)
		.where('canonical_id', 'is', null)
		.where('snapshot_id', 'in', (eb) =>
			eb.selectFrom('snapshots').select('id').where('environment_id', '=', environmentId),
		)
		.execute();
}

/** Writes what n8n answered for a workflow into its inventory row, keeping its identity (a new one if it had none). */
export async function refreshInventoryRow(trx: Db, environmentId: string, workflow: N8nWorkflow): Promise<void> {
	const [stored] = await prepareWorkflows(trx, [listedOf(workflow)]);
	await storeWorkflows(trx, [stored]);
	const canonicalId =
		(await canonicalIdOf(trx, environmentId, workflow.id)) ?? (await newCanonical(trx, workflow.name));
	await putInventoryRow(trx, environmentId, stored, canonicalId);
}

/** Writes the workflow's inventory row under `canonicalId`; returns the canonical id it had, if any. */
export async function putInventoryRow(
	trx: Db,
	environmentId: string,
	stored: StoredWorkflow,
	canonicalId: string,
): Promise<string | undefined> {
	const previous = await trx
		.selectFrom('workflow_inventory')
		.select('canonical_id')
		.where('environment_id', '=', environmentId)
		.where('n8n_id', '=', stored.workflow.id)
		.executeTakeFirst();
	const values = { ...inventoried(stored), environment_id: environmentId, canonical_id: canonicalId };
	await trx
		.insertInto('workflow_inventory')
		.values(values)
		.onConflict((oc) => oc.columns(['environment_id', 'n8n_id']).doUpdateSet(values))
		.execute();
	return previous?.canonical_id;
}

async function canonicalIdOf(trx: Db, environmentId: string, n8nId: string): Promise<string | undefined> {
	const row =
		(await trx
			.selectFrom('workflow_inventory')
			.select('canonical_id')
			.where('environment_id', '=', environmentId)
			.where('n8n_id', '=', n8nId)
			.executeTakeFirst()) ??
		(await trx
			.selectFrom('snapshot_items')
			.innerJoin('snapshots', 'snapshots.id', 'snapshot_items.snapshot_id')
			.select('snapshot_items.canonical_id')
			.where('snapshots.environment_id', '=', environmentId)
			.where('snapshot_items.n8n_id', '=', n8nId)
			.where('snapshot_items.canonical_id', 'is not', null)
			.orderBy('snapshots.created_at', 'desc')
			.executeTakeFirst());
	return row?.canonical_id ?? undefined;
}

async function newCanonical(trx: Db, name: string): Promise<string> {
	const id = crypto.randomUUID();
	await trx
		.insertInto('canonical_workflows')
		.values({ id, name, status: 'UNMAPPED', created_at: new Date().toISOString() })
		.execute();
	return id;
}
