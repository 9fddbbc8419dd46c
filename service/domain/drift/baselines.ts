import { z } from 'zod';
import type { Db } from '../../db/database';
import { type Listed, listedOf } from '../../n8n/list-page';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow } from '../environments/environments';
import { liveWorkflows } from '../snapshots/compare';
import { prepareWorkflows, storeWorkflows } from '../workflows/content-store';
import { publishedView } from './published';

export const approveRequestSchema = z.object({
	workflowIds: z
		.array(z.string().min(1))
		.min(1)
		.max(1000)
		.optional()
		.describe('only these workflows (a workflow gone from n8n leaves the baseline); all when absent'),
	note: z.string().trim().max(2000).default('').describe('why (recorded in the audit log)'),
});
export type ApproveRequest = z.infer<typeof approveRequestSchema>;

export interface BaselineItem {
	workflowId: string;
	name: string;
	contentHash: string;
	approvedBy: string | null;
	approvedAt: string;
}

export interface Baseline {
	environmentId: string;
	workflows: BaselineItem[];
}

/** One workflow's approved content, as stored. */
export interface BaselineEntry {
	workflowId: string;
	name: string;
	contentHash: string;
	rawHash: string;
}

export async function getBaseline(db: Db, environmentId: string): Promise<Baseline> {
	await getEnvironmentRow(db, environmentId);
	const rows = await db
		.selectFrom('baselines')
		.selectAll()
		.where('environment_id', '=', environmentId)
		.orderBy('name')
		.execute();
	return {
		environmentId,
		workflows: rows.map((row) => ({
			workflowId: row.n8n_id,
			name: row.name,
			contentHash: row.content_hash,
			approvedBy: row.approved_by,
			approvedAt: row.approved_at,
		})),
	};
}

/** The approved workflows (all, or those of `ids`) as n8n returned them when approved, keyed by id. */
export async function baselineWorkflows(
	db: Db,
	environmentId: string,
	ids?: string[],
): Promise<Map<string, N8nWorkflow>> {
	if (ids && !ids.length) return new Map();
	let query = db
		.selectFrom('baselines')
		.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'baselines.raw_hash')
		.select(['baselines.n8n_id', 'workflow_blobs.raw'])
		.where('environment_id', '=', environmentId);
	if (ids) query = query.where('baselines.n8n_id', 'in', ids);
	const rows = await query.execute();
	return new Map(rows.map((row) => [row.n8n_id, JSON.parse(row.raw) as N8nWorkflow]));
}

/**
 * "Approve current state": what runs in the environment now (the published version on n8n 2.x)
 * becomes its baseline, for every workflow or a selection. Admin only; audited.
 */
export async function approveCurrentState(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	request: ApproveRequest,
): Promise<Baseline> {
	const live = await liveWorkflows(deps, environmentId);
	const wanted = request.workflowIds ?? [...live.keys()];
	const unknown = request.workflowIds?.filter((id) => !live.has(id)) ?? [];
	const approved = await storeContent(
		deps.db,
		wanted.filter((id) => live.has(id)).map((id) => listedOf(publishedView(live.get(id)!))),
	);
	await deps.db.transaction().execute(async (trx) => {
		if (!request.workflowIds) await trx.deleteFrom('baselines').where('environment_id', '=', environmentId).execute();
		await setBaselineEntries(trx, context, environmentId, approved, unknown);
		await appendAudit(trx, context, {
			action: 'baseline.approve',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
			metadata: {
				scope: request.workflowIds ? 'selected' : 'all',
				workflows: approved.length,
				removed: unknown,
				note: request.note,
			},
		});
	});
	return getBaseline(deps.db, environmentId);
}

/** Stores workflows in the content store and returns their baseline entries. */
export async function storeContent(db: Db, workflows: Array<Listed<N8nWorkflow>>): Promise<BaselineEntry[]> {
	const prepared = await prepareWorkflows(db, workflows);
	await storeWorkflows(db, prepared);
	return prepared.map(({ workflow, contentHash, rawHash }) => ({
		workflowId: workflow.id,
		name: workflow.name,
		contentHash,
		rawHash,
	}));
}

/**
 * Upserts approved entries and drops `removed` ids, and marks the environment's baseline approved now
 * (with no entry at all, an empty instance is the baseline): part of a transaction that audits why.
 * Of several entries for one workflow (written twice by one promotion), the last holds.
 */
export async function setBaselineEntries(
	trx: Db,
	context: AuditContext,
	environmentId: string,
	entries: BaselineEntry[],
	removed: string[],
): Promise<void> {
	const approvedAt = new Date().toISOString();
	const latest = [...new Map(entries.map((entry) => [entry.workflowId, entry])).values()];
	for (let start = 0; start < latest.length; start += 500) {
		const rows = latest.slice(start, start + 500).map((entry) => ({
			environment_id: environmentId,
			n8n_id: entry.workflowId,
			name: entry.name,
			content_hash: entry.contentHash,
			raw_hash: entry.rawHash,
			approved_by: context.actor.name,
			approved_at: approvedAt,
		}));
		await trx
			.insertInto('baselines')
			.values(rows)
			.onConflict((conflict) =>
				conflict.columns(['environment_id', 'n8n_id']).doUpdateSet((eb) => ({
					name: eb.ref('excluded.name'),
					content_hash: eb.ref('excluded.content_hash'),
					raw_hash: eb.ref('excluded.raw_hash'),
					approved_by: eb.ref('excluded.approved_by'),
					approved_at: eb.ref('excluded.approved_at'),
				})),
			)
			.execute();
	}
	if (removed.length)
		await trx
			.deleteFrom('baselines')
			.where('environment_id', '=', environmentId)
			.where('n8n_id', 'in', removed)
			.execute();
	await trx
		.updateTable('environments')
		.set({ baseline_approved_at: approvedAt })
		.where('id', '=', environmentId)
		.execute();
}
