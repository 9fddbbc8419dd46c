import { z } from 'zod';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { messageOf } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { refreshInventoryRow } from './workflow-identity';

export const activationRequestSchema = z
	.object({
		workflowIds: z.array(z.string().min(1)).min(1).max(1000).describe('the workflows to switch, by n8n id'),
		active: z.boolean().describe('true: activate (publish on n8n 2.x); false: deactivate (unpublish)'),
	})
	.strict();
export type ActivationRequest = z.infer<typeof activationRequestSchema>;

interface Outcome {
	workflowId: string;
	name: string;
}

export interface ActivationResult extends Record<string, unknown> {
	active: boolean;
	total: number;
	/** Switched, each read back from n8n. */
	changed: Outcome[];
	/** Already as asked. */
	unchanged: Outcome[];
	/** With n8n's reason, or ours. */
	failed: Array<Outcome & { error: string }>;
}

/**
 * Starts switching workflows on or off, as a job whose progress is the workflows done: each one on its
 * own (one failing does not stop the others), read back, written to the inventory and audited.
 */
export async function startActivation(
	deps: EnvironmentDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
	request: ActivationRequest,
): Promise<Job> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	const ids = [...new Set(request.workflowIds)];
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
	const verb = request.active ? 'activation' : 'deactivation';
	return deps.jobs.start(
		{
			kind: 'workflows.activation',
			environmentId,
			createdBy: context.actor.id,
			onlyOne: `A bulk activation or deactivation in "${environment.name}" is already running`,
		},
		async (report) => {
			const result: ActivationResult = {
				active: request.active,
				total: ids.length,
				changed: [],
				unchanged: [],
				failed: [],
			};
			for (const [done, id] of ids.entries()) {
				const name = names.get(id) ?? id;
				await report({ total: ids.length, done, failed: result.failed.length, current: name });
				try {
					const live = await client.getWorkflow(id);
					if (live.active === request.active) {
						result.unchanged.push({ workflowId: id, name: live.name });
						continue;
					}
					await client.setActive(id, request.active);
					const readBack: N8nWorkflow = await client.getWorkflow(id);
					if (readBack.active !== request.active)
						throw new Error(`n8n accepted the ${verb} but still reports it ${readBack.active ? 'active' : 'inactive'}`);
					await deps.db.transaction().execute(async (trx) => {
						await refreshInventoryRow(trx, environmentId, readBack);
						await appendAudit(trx, context, {
							action: request.active ? 'workflow.activate' : 'workflow.deactivate',
							resourceType: 'workflow',
							resourceId: id,
							environmentId,
							metadata: { name: readBack.name },
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
