import crypto from 'node:crypto';
import type { Db } from '../../db/database';
import type { PromotionsTable } from '../../db/schema';
import { listedOf } from '../../n8n/list-page';
import type { AppliedStep, ChangeStep } from '../changes/executor';
import type { BaselineEntry } from '../drift/baselines';
import { putInventoryRow } from '../workflows/workflow-identity';
import { prepareWorkflows, storeWorkflows } from '../workflows/content-store';
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
		written.map((done) => listedOf(done.readBack!)),
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
			const [sourceStored] = await prepareWorkflows(trx, [listedOf(source)]);
			await storeWorkflows(trx, [sourceStored]);
			await putInventoryRow(trx, row.source_environment_id, sourceStored, canonicalId);
		}
		const previous = await putInventoryRow(trx, row.target_environment_id, stored[i], canonicalId);
		if (previous && previous !== canonicalId) await mergeInto(trx, row.target_environment_id, previous, canonicalId);
	}
	return stored.map(({ workflow, contentHash, rawHash }) => ({
		workflowId: workflow.id,
		name: workflow.name,
		contentHash,
		rawHash,
	}));
}

/** The target's workflow is now `into`: its snapshots say so, and its former identity goes when unused. */
async function mergeInto(trx: Db, environmentId: string, former: string, into: string): Promise<void> {
	await trx
		.updateTable('snapshot_items')
		.set({ canonical_id: into })
		.where('canonical_id', '=', former)
		.where('snapshot_id', 'in', (eb) =>
			eb.selectFrom('snapshots').select('id').where('environment_id', '=', environmentId),
		)
		.execute();
	const used = await trx
		.selectFrom('workflow_inventory')
		.select('n8n_id')
		.where('canonical_id', '=', former)
		.executeTakeFirst();
	if (!used) await trx.deleteFrom('canonical_workflows').where('id', '=', former).execute();
}
