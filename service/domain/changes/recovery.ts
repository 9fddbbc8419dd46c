import type { N8nWorkflow } from '../../n8n/workflow-body';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { INTERRUPTED } from '../jobs/jobs';
import { snapshotWorkflows } from '../snapshots/compare';
import type { ChangeRow } from './change-log';
import { undoChange } from './executor';

export interface RecoveredChange {
	change: ChangeRow;
	/** What could not be put back (empty: the instance is as it was before the change). */
	undoFailures: string[];
}

/**
 * Changes taken over from a replica gone (claimOrphanedChanges) are undone from their record, each
 * write it had sent (or was sending) put back as its safety snapshot has it.
 */
export async function undoOrphanedChanges(deps: EnvironmentDeps, changes: ChangeRow[]): Promise<RecoveredChange[]> {
	const recovered: RecoveredChange[] = [];
	for (const change of changes) {
		const environment = await getEnvironmentRow(deps.db, change.environment_id);
		const before = change.safety_snapshot_id
			? await snapshotWorkflows(deps.db, change.safety_snapshot_id)
			: new Map<string, N8nWorkflow>();
		const client = deps.n8nClient(n8nTarget(deps, environment));
		const undoFailures = await undoChange({ db: deps.db, client, change, before }, INTERRUPTED);
		recovered.push({ change: { ...change, status: undoFailures.length ? 'undo_failed' : 'undone' }, undoFailures });
	}
	return recovered;
}
