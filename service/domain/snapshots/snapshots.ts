import crypto from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import { containsText } from '../../db/like';
import type { SnapshotRow } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import { listedOf } from '../../n8n/list-page';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { DomainError, notFound } from '../errors';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import { prepareWorkflows, storeWorkflows } from '../workflows/content-store';
import { canonicalIds } from '../workflows/inventory';

export const newSnapshotSchema = z.object({
	environmentId: z.string().min(1),
	workflowIds: z.array(z.string().min(1)).min(1).max(1000).optional().describe('only these workflows; all when absent'),
	label: z.string().trim().max(200).default(''),
	reason: z.string().trim().max(2000).default('').describe('why it was taken'),
});
export type NewSnapshot = z.infer<typeof newSnapshotSchema>;

export const snapshotListSchema = pageQuerySchema.extend({
	environmentId: z.string().min(1).optional(),
	q: z.string().trim().min(1).max(200).optional().describe('part of the label or of the reason'),
});

export interface Snapshot {
	id: string;
	environmentId: string;
	label: string;
	reason: string;
	createdBy: string | null;
	createdAt: string;
	workflowCount: number;
	selective: boolean;
}

export interface SnapshotItem {
	workflowId: string;
	name: string;
	active: boolean;
	contentHash: string;
	/** Its identity across ids and environments (null: the workflow was never synced). */
	canonicalId: string | null;
}

const toSnapshot = (row: SnapshotRow): Snapshot => ({
	id: row.id,
	environmentId: row.environment_id,
	label: row.label,
	reason: row.reason,
	createdBy: row.created_by,
	createdAt: row.created_at,
	workflowCount: row.workflow_count,
	selective: row.selective === 1,
});

/**
 * Takes a snapshot of an environment's live workflows (all, or a selection). Each distinct content is
 * stored once in the content store; the snapshot itself is a list of references to it.
 */
export async function createSnapshot(
	deps: EnvironmentDeps,
	context: AuditContext,
	input: NewSnapshot,
): Promise<Snapshot> {
	const environment = await getEnvironmentRow(deps.db, input.environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	// A full snapshot asks by id for each workflow of the inventory that a shift of n8n's pages hid.
	const live = input.workflowIds
		? await Promise.all(input.workflowIds.map(async (id) => listedOf(await getOrExplain(client, id))))
		: await client.allWorkflows((await canonicalIds(deps.db, environment.id)).keys());
	const prepared = await prepareWorkflows(deps.db, live);
	const row: SnapshotRow = {
		id: crypto.randomUUID(),
		environment_id: environment.id,
		label: input.label,
		reason: input.reason,
		created_by: context.actor.name,
		created_at: new Date().toISOString(),
		workflow_count: prepared.length,
		selective: input.workflowIds ? 1 : 0,
	};
	const snapshot = toSnapshot(row);
	const recorded = await deps.db.transaction().execute(async (trx) => {
		await storeWorkflows(trx, prepared);
		await trx.insertInto('snapshots').values(row).execute();
		const canonicalOf = await canonicalIds(trx, environment.id);
		const items = prepared.map(({ workflow, contentHash, rawHash }) => ({
			snapshot_id: row.id,
			n8n_id: workflow.id,
			name: workflow.name,
			active: workflow.active ? 1 : 0,
			content_hash: contentHash,
			raw_hash: rawHash,
			canonical_id: canonicalOf.get(workflow.id) ?? null,
		}));
		for (let start = 0; start < items.length; start += 500)
			await trx
				.insertInto('snapshot_items')
				.values(items.slice(start, start + 500))
				.execute();
		await appendAudit(trx, context, {
			action: 'snapshot.create',
			resourceType: 'snapshot',
			resourceId: row.id,
			environmentId: environment.id,
			metadata: {
				label: row.label,
				reason: row.reason,
				workflows: row.workflow_count,
				selective: row.selective === 1,
			},
		});
		return deps.events.record(trx, 'snapshot.created', {
			environment: { id: environment.id, name: environment.name, class: environment.class },
			snapshot,
		});
	});
	deps.events.dispatch(recorded);
	return snapshot;
}

async function getOrExplain(client: N8nClient, id: string): Promise<N8nWorkflow> {
	const workflow = await client.getWorkflowIfAny(id);
	if (!workflow) throw new DomainError('unprocessable', `The workflow ${id} does not exist in n8n`);
	return workflow;
}

export async function listSnapshots(db: Db, query: z.infer<typeof snapshotListSchema>): Promise<Page<Snapshot>> {
	let select = db.selectFrom('snapshots').selectAll();
	if (query.environmentId) select = select.where('environment_id', '=', query.environmentId);
	const q = query.q;
	if (q)
		select = select.where(({ or }) =>
			or([containsText(sql.ref('snapshots.label'), q), containsText(sql.ref('snapshots.reason'), q)]),
		);
	return offsetPage(
		query,
		(limit, offset) => select.orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
		toSnapshot,
	);
}

export async function getSnapshotRow(db: Db, id: string): Promise<SnapshotRow> {
	const row = await db.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Snapshot');
	return row;
}

export interface SnapshotPush {
	commitSha: string;
	url: string;
	pushedBy: string | null;
	pushedAt: string;
}

export async function getSnapshot(
	db: Db,
	id: string,
): Promise<Snapshot & { workflows: SnapshotItem[]; pushes: SnapshotPush[] }> {
	const row = await getSnapshotRow(db, id);
	const items = await db
		.selectFrom('snapshot_items')
		.selectAll()
		.where('snapshot_id', '=', id)
		.orderBy('name')
		.execute();
	const pushes = await db
		.selectFrom('snapshot_pushes')
		.select(['commit_sha as commitSha', 'url', 'pushed_by as pushedBy', 'pushed_at as pushedAt'])
		.where('snapshot_id', '=', id)
		.orderBy('pushed_at')
		.execute();
	return {
		...toSnapshot(row),
		pushes,
		workflows: items.map((item) => ({
			workflowId: item.n8n_id,
			name: item.name,
			active: item.active === 1,
			contentHash: item.content_hash,
			canonicalId: item.canonical_id,
		})),
	};
}

/** Deletes a snapshot; the content it referenced stays in the store for the snapshots that share it. */
export async function deleteSnapshot(db: Db, context: AuditContext, id: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const row = await getSnapshotRow(trx, id);
		await trx.deleteFrom('snapshots').where('id', '=', id).execute();
		await appendAudit(trx, context, {
			action: 'snapshot.delete',
			resourceType: 'snapshot',
			resourceId: id,
			environmentId: row.environment_id,
			metadata: { label: row.label, createdAt: row.created_at, workflows: row.workflow_count },
		});
	});
}
