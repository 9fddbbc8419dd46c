import type { Transaction } from 'kysely';
import type { Database, Role } from '../../db/schema';
import type { AuditContext } from '../audit/audit-log';
import { requirePermission } from '../auth/permissions';
import { conflict } from '../errors';
import type { Job } from '../jobs/jobs';
import { type RestoreSummary, startRestore } from '../snapshots/restore';
import type { SyncDeps } from '../workflows/inventory-sync';
import { baselineWorkflows, setBaselineEntries } from './baselines';
import { emitIncidentEvent } from './drift-events';
import type { DriftItem } from './drift-check';
import { closeIncident, getIncident, getIncidentRow, type Incident, type ResolveRequest } from './incidents';

/**
 * Resolves an open incident. note: closed with the explanation. keep (admin): the live content the
 * last check saw becomes the baseline of the drifted workflows. revert (admin): the baseline is written
 * back to n8n as a restore job (a snapshot of live first, each write read back and checked; an
 * unmanaged workflow is deleted, a missing one re-created); the incident closes when the job succeeds.
 */
export async function resolveIncident(
	deps: SyncDeps,
	context: AuditContext,
	role: Role,
	id: string,
	request: ResolveRequest,
): Promise<{ incident: Incident; job?: Job }> {
	const row = await getIncidentRow(deps.db, id);
	if (row.status === 'RESOLVED') throw conflict('The incident is already resolved');
	const items = JSON.parse(row.items) as DriftItem[];
	if (request.resolution === 'note') {
		const incident = await deps.db
			.transaction()
			.execute((trx) => closeIncident(trx, context, id, 'note', request.note));
		await emitIncidentEvent(deps, 'drift.resolved', incident);
		return { incident };
	}
	if (request.resolution === 'keep') {
		requirePermission(role, 'baselines.approve');
		const kept = items
			.filter((item) => item.status !== 'MISSING')
			.map((item) => ({
				workflowId: item.workflowId,
				name: item.name,
				contentHash: item.liveContentHash!,
				rawHash: item.liveRawHash!,
			}));
		const gone = items.filter((item) => item.status === 'MISSING').map((item) => item.workflowId);
		const incident = await deps.db.transaction().execute(async (trx) => {
			await setBaselineEntries(trx, context, row.environment_id, kept, gone);
			return closeIncident(trx, context, id, 'keep', request.note);
		});
		await emitIncidentEvent(deps, 'drift.resolved', incident);
		return { incident };
	}
	requirePermission(role, 'snapshots.restore');
	const approved = await baselineWorkflows(
		deps.db,
		row.environment_id,
		items.map((item) => item.workflowId),
	);
	let closedByRevert = false;
	const job = await startRestore(
		deps,
		context,
		{
			environmentId: row.environment_id,
			subject: `incident:${id}`,
			description: 'baseline',
			workflows: approved,
			complete: true,
		},
		{ workflowIds: items.map((item) => item.workflowId), reason: request.note || `revert incident ${id}` },
		{
			inTransaction: async (trx, restored) => {
				closedByRevert = await closeReverted(trx, context, row.environment_id, id, restored, request.note);
			},
			afterCommit: async () => {
				if (closedByRevert) await emitIncidentEvent(deps, 'drift.resolved', await getIncident(deps.db, id));
			},
		},
	);
	return { incident: await getIncident(deps.db, id), job };
}

/**
 * Re-created workflows keep their place in the baseline under their new id; then the incident closes,
 * unless a check closed it while the restore ran (false then).
 */
async function closeReverted(
	trx: Transaction<Database>,
	context: AuditContext,
	environmentId: string,
	id: string,
	restored: RestoreSummary,
	note: string,
): Promise<boolean> {
	for (const { workflowId, newId } of restored.created)
		await trx
			.updateTable('baselines')
			.set({ n8n_id: newId })
			.where('environment_id', '=', environmentId)
			.where('n8n_id', '=', workflowId)
			.execute();
	// A check may have found the environment back in sync (and closed it) while the restore ran.
	if ((await getIncidentRow(trx, id)).status === 'RESOLVED') return false;
	await closeIncident(trx, context, id, 'revert', note);
	return true;
}
