import type { PolicyAction } from '../../db/schema';
import type { AuditContext } from '../audit/audit-log';
import { resolveIncident } from '../drift/resolve';
import type { GitDeps } from '../environments/git-mirror';
import { DomainError } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { commitSource } from '../snapshots/git-snapshots';
import { type RestoreRequest, snapshotSource, startRestore } from '../snapshots/restore';
import { getSnapshotRow } from '../snapshots/snapshots';
import type { EventSink } from '../events/events';
import { type ActivationRequest, startActivation } from '../workflows/activation';
import { deleteWorkflow, setArchived } from '../workflows/removal';

/** An operation on an environment's n8n that its class policy may warn about, send for approval, or block. */
export type GatedOperation = { environmentId: string } & (
	| { kind: 'activation'; request: ActivationRequest }
	| { kind: 'archive'; workflowId: string }
	| { kind: 'delete'; workflowId: string; confirmName: string }
	| { kind: 'snapshot_restore'; snapshotId: string; request: RestoreRequest }
	| { kind: 'git_restore'; ref: string; request: RestoreRequest }
	| { kind: 'incident_revert'; incidentId: string; note: string }
);

export type OperationDeps = GitDeps & { jobs: Jobs; events: EventSink };

/** What running an operation answered: a job to follow, or its result at once. */
export type OperationOutcome = { job: Job } | { result: unknown };

export const POLICY_ACTION_OF: Record<GatedOperation['kind'], PolicyAction> = {
	activation: 'activation',
	archive: 'delete',
	delete: 'delete',
	snapshot_restore: 'restore',
	git_restore: 'restore',
	incident_revert: 'restore',
};

export async function runOperation(
	deps: OperationDeps,
	context: AuditContext,
	operation: GatedOperation,
): Promise<OperationOutcome> {
	const { environmentId } = operation;
	switch (operation.kind) {
		case 'activation':
			return { job: await startActivation(deps, context, environmentId, operation.request) };
		case 'archive':
			return { result: await setArchived(deps, context, environmentId, operation.workflowId, true) };
		case 'delete':
			return {
				result: await deleteWorkflow(deps, context, environmentId, operation.workflowId, operation.confirmName),
			};
		case 'snapshot_restore':
			return {
				job: await startRestore(deps, context, await snapshotSource(deps, operation.snapshotId), operation.request),
			};
		case 'git_restore':
			return {
				job: await startRestore(
					deps,
					context,
					await commitSource(deps, environmentId, operation.ref),
					operation.request,
				),
			};
		case 'incident_revert': {
			const { job } = await resolveIncident(deps, context, 'admin', operation.incidentId, {
				resolution: 'revert',
				note: operation.note,
			});
			if (!job) throw new DomainError('conflict', 'The revert started no job');
			return { job };
		}
	}
}

/** What the operation does, in words, naming its workflows as the inventory knows them. */
export async function describeOperation(deps: OperationDeps, operation: GatedOperation): Promise<string> {
	const names = async (ids: string[]) => {
		const rows = await deps.db
			.selectFrom('workflow_inventory')
			.select(['n8n_id', 'name'])
			.where('environment_id', '=', operation.environmentId)
			.where('n8n_id', 'in', ids.slice(0, 3))
			.execute();
		const named = ids.slice(0, 3).map((id) => `"${rows.find((row) => row.n8n_id === id)?.name ?? id}"`);
		return ids.length > 3 ? `${named.join(', ')} and ${ids.length - 3} more` : named.join(', ');
	};
	const selection = (request: RestoreRequest) =>
		request.workflowIds ? `${request.workflowIds.length} workflow(s)` : 'every workflow';
	switch (operation.kind) {
		case 'activation':
			return `${operation.request.active ? 'Activate' : 'Deactivate'} ${await names(operation.request.workflowIds)}`;
		case 'archive':
			return `Archive ${await names([operation.workflowId])}`;
		case 'delete':
			return `Delete ${await names([operation.workflowId])} for good`;
		case 'snapshot_restore': {
			const snapshot = await getSnapshotRow(deps.db, operation.snapshotId);
			const label = snapshot.label ? `"${snapshot.label}"` : snapshot.id;
			return `Restore ${selection(operation.request)} from snapshot ${label}`;
		}
		case 'git_restore':
			return `Restore ${selection(operation.request)} from Git ${operation.ref}`;
		case 'incident_revert':
			return `Revert the workflows of incident ${operation.incidentId} to their baseline`;
	}
}
