import crypto from 'node:crypto';
import type { Db } from '../../db/database';
import type { PromotionsTable } from '../../db/schema';
import type { AppliedStep, ChangeStep } from '../changes/executor';
import type { BaselineEntry } from '../drift/baselines';
import { inventoried } from '../workflows/inventory-sync';
import { prepareWorkflows, type StoredWorkflow, storeWorkflows } from '../workflows/content-store';
import type { PlannedWrite } from './plan-item';

/**
 * After a promotion: each workflow it wrote and its source are one canonical workflow, LINKED, in both
 * environments' inventories (a source never synced gets its identity now; a target workflow matched by
 * name leaves its own). Returns the target's new baseline entries: what was read back.
 */
export async function linkPromoted(
	trx: Db,
	row: PromotionsTable,
	planned: Map<ChangeStep, PlannedWrite | undefined>,
	applied: AppliedStep[],
): Promise<BaselineEntry[]> {
	const written = applied.filter((done) => done.readBack);
	const stored = await prepareWorkflows(
		trx,
		written.map((done) => done.readBack!),
	);
	await storeWorkflows(trx, stored);
	const now = new Date().toISOString();
	for (const [i, done] of written.entries()) {
		const { item, source } = planned.get(done.step)!;
		let canonicalId = item.canonicalId;
		if (canonicalId) {
			await trx.updateTable('canonical_workflows').set({ status: 'LINKED' }).where('id', '=', canonicalId).execute();
		} else {
			canonicalId = crypto.randomUUID();
			await trx
				.insertInto('canonical_workflows')
				.values({ id: canonicalId, name: source.name, status: 'LINKED', created_at: now })
				.execute();
			const [sourceStored] = await prepareWorkflows(trx, [source]);
			await storeWorkflows(trx, [sourceStored]);
			await putInventoryRow(trx, row.source_environment_id, sourceStored, canonicalId);
		}
		const previous = await putInventoryRow(trx, row.target_environment_id, stored[i], canonicalId);
		if (previous && previous !== canonicalId) await dropIfUnused(trx, previous);
	}
	return stored.map(({ workflow, contentHash, rawHash }) => ({
		workflowId: workflow.id,
		name: workflow.name,
		contentHash,
		rawHash,
	}));
}

/** Writes the workflow's inventory row under `canonicalId`; returns the canonical id it had, if any. */
async function putInventoryRow(
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

async function dropIfUnused(trx: Db, canonicalId: string): Promise<void> {
	const used = await trx
		.selectFrom('workflow_inventory')
		.select('n8n_id')
		.where('canonical_id', '=', canonicalId)
		.executeTakeFirst();
	if (!used) await trx.deleteFrom('canonical_workflows').where('id', '=', canonicalId).execute();
}
