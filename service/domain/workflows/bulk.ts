import type { N8nClient } from '../../n8n/client';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { messageOf } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { refreshInventoryRow } from './workflow-identity';

interface Outcome {
	workflowId: string;
	name: string;
}

export interface BulkResult extends Record<string, unknown> {
	total: number;
	/** Changed, each read back from n8n. */
	changed: Outcome[];
	/** Already as asked. */
	unchanged: Outcome[];
	/** With n8n's reason, or ours. */
	failed: Array<Outcome & { error: string }>;
}

export interface BulkOperation {
	/** The job's kind; one such job per environment at a time. */
	kind: string;
	/** Said when one is already running in the environment. */
	busy: string;
	/** Audited for each workflow changed. */
	action: string;
	/** Fields of the result besides the outcomes. */
	about: Record<string, unknown>;
	/** Changes the live workflow in n8n; false when it was already as asked. */
	apply(client: N8nClient, live: N8nWorkflow): Promise<boolean>;
	/** Why the workflow read back is not as asked, if it is not. */
	check(readBack: N8nWorkflow): string | undefined;
}

/**
 * Starts applying an operation to workflows, as a job whose progress is the workflows done: each one on
 * its own (one failing does not stop the others), read back, written to the inventory and audited.
 */
export async function startBulk(
	deps: EnvironmentDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
	workflowIds: string[],
	operation: BulkOperation,
): Promise<Job> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	const ids = [...new Set(workflowIds)];
	const names = new Map(
		(
			await deps.db
				.selectFrom('workflow_inventory')
				.select(['n8n_id', 'name'])
				.where('environment_id', '=', environmentId)
				.where('n8n_id', 'in', ids)
				.execute()
		).map((row) => [row.n8n_id, row.name]),
	);
	return deps.jobs.start(
		{ kind: operation.kind, environmentId, createdBy: context.actor.id, onlyOne: operation.busy },
		async (report) => {
			const result: BulkResult = { ...operation.about, total: ids.length, changed: [], unchanged: [], failed: [] };
			for (const [done, id] of ids.entries()) {
				const name = names.get(id) ?? id;
				await report({ total: ids.length, done, failed: result.failed.length, current: name });
				try {
					const live = await client.getWorkflow(id);
					if (!(await operation.apply(client, live))) {
						result.unchanged.push({ workflowId: id, name: live.name });
						continue;
					}
					const readBack = await client.getWorkflow(id);
					const wrong = operation.check(readBack);
					if (wrong) throw new Error(wrong);
					await deps.db.transaction().execute(async (trx) => {
						await refreshInventoryRow(trx, environmentId, readBack);
						await appendAudit(trx, context, {
							action: operation.action,
							resourceType: 'workflow',
							resourceId: id,
							environmentId,
							metadata: { name: readBack.name, ...operation.about },
						});
					});
					result.changed.push({ workflowId: id, name: readBack.name });
				} catch (error) {
					result.failed.push({ workflowId: id, name, error: messageOf(error) });
				}
			}
			return result;
		},
	);
}
