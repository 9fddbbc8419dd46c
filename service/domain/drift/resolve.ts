import type { Transaction } from 'kysely';
import type { Database, Role } from '../../db/schema';
import type { AuditContext } from '../audit/audit-log';
import { requirePermission } from '../auth/permissions';
import { conflict } from '../errors';
import type { Job } from '../jobs/jobs';
import { type RestoreSummary, startRestore } from '../snapshots/restore';
import type { SyncDeps } from '../workflows/inventory-sync';
import { baselineWorkflows, setBaselineEntries } from './baselines';
import type { EventSink } from '../events/events';
import { recordIncidentEvent } from './drift-events';
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
	request: Pick<ResolveRequest, 'resolution' | 'note'>,
): Promise<{ incident: Incident; job?: Job }> {
	const row = await getIncidentRow(deps.db, id);
	if (row.status === 'RESOLVED') throw conflict('The incident is already resolved');
	const items = JSON.parse(row.items) as DriftItem[];
	if (request.resolution === 'note') {
		const { incident, recorded } = await deps.db
			.transaction()
			.execute((trx) => closeAnnounced(trx, deps.events, context, id, 'note', request.note));
		deps.events.dispatch(recorded);
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
		const { incident, recorded } = await deps.db.transaction().execute(async (trx) => {
			await setBaselineEntries(trx, context, row.environment_id, kept, gone);
			return closeAnnounced(trx, deps.events, context, id, 'keep', request.note);
		});
		deps.events.dispatch(recorded);
		return { incident };
	}
	requirePermission(role, 'snapshots.restore');
	const approved = await baselineWorkflows(
		deps.db,
		row.environment_id,
		items.map((item) => item.workflowId),
	);
	let recorded: string[] = [];
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
				recorded = await closeReverted(trx, deps.events, context, row.environment_id, id, restored, request.note);
			},
			afterCommit: async () => deps.events.dispatch(recorded),
		},
	);
	return { incident: await getIncident(deps.db, id), job };
}

/** Closes the incident and records its drift.resolved event, in the transaction that resolves it. */
async function closeAnnounced(
	trx: Transaction<Database>,
	events: EventSink,
	context: AuditContext,
	id: string,
	resolution: Parameters<typeof closeIncident>[3],
	note: string,
): Promise<{ incident: Incident; recorded: string[] }> {
	const incident = await closeIncident(trx, context, id, resolution, note);
	return { incident, recorded: await recordIncidentEvent(trx, events, 'drift.resolved', incident) };
}

/**
 * Re-created workflows keep their place in the baseline under their new id; then the incident closes
 * (its event recorded, returned), unless a check closed it while the restore ran (none then).
 */
async function closeReverted(
	trx: Transaction<Database>,
	events: EventSink,
	context: AuditContext,
	environmentId: string,
	id: string,
	restored: RestoreSummary,
	note: string,
): Promise<string[]> {
	for (const { workflowId, newId } of restored.created)
		await trx
			.updateTable('baselines')
			.set({ n8n_id: newId })
			.where('environment_id', '=', environmentId)
			.where('n8n_id', '=', workflowId)
			.execute();
	// A check may have found the environment back in sync (and closed it) while the restore ran.
	if ((await getIncidentRow(trx, id)).status === 'RESOLVED') return [];
	return (await closeAnnounced(trx, events, context, id, 'revert', note)).recorded;
}
