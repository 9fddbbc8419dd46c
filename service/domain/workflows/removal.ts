import { z } from 'zod';
import type { N8nClient } from '../../n8n/client';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError } from '../errors';
import { createSnapshot } from '../snapshots/snapshots';
import { refreshInventoryRow } from './workflow-identity';

export const deleteRequestSchema = z
	.object({
		confirmName: z.string().describe('the workflow’s name, typed: n8n cannot bring a deleted workflow back'),
	})
	.strict();

/** The workflow as n8n has it now, or a 404 in words. */
async function liveWorkflow(client: N8nClient, environmentName: string, id: string): Promise<N8nWorkflow> {
	const workflow = await client.getWorkflowIfAny(id);
	if (!workflow) throw new DomainError('not_found', `"${environmentName}" has no workflow ${id} in n8n`);
	return workflow;
}

/**
 * Archives a workflow (or brings it back) on n8n 2.x: unpublished first, it leaves n8n's lists and can
 * be unarchived. n8n 1.x cannot archive: there a workflow is deleted, after a snapshot of it.
 */
export async function setArchived(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	workflowId: string,
	archived: boolean,
): Promise<{ workflowId: string; name: string; archived: boolean }> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	if ((await client.majorVersion()) === 1)
		throw new DomainError(
			'unprocessable',
			`"${environment.name}" runs n8n 1.x, which cannot archive workflows: delete it instead (a snapshot of it is taken first)`,
		);
	const live = await liveWorkflow(client, environment.name, workflowId);
	if (archived && live.active) await client.setActive(workflowId, false);
	await client.archiveWorkflow(workflowId, archived);
	const readBack = await client.getWorkflow(workflowId);
	await deps.db.transaction().execute(async (trx) => {
		await refreshInventoryRow(trx, environmentId, readBack);
		await appendAudit(trx, context, {
			action: archived ? 'workflow.archive' : 'workflow.unarchive',
			resourceType: 'workflow',
			resourceId: workflowId,
			environmentId,
			metadata: { name: readBack.name, wasActive: live.active },
		});
	});
	return { workflowId, name: readBack.name, archived };
}

/**
 * Deletes a workflow from n8n for good, once its name is typed: a snapshot of it is taken first (so a
 * restore can bring it back), and it is unpublished before. Its inventory row goes; its identity is
 * MISSING unless another environment has it.
 */
export async function deleteWorkflow(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	workflowId: string,
	confirmName: string,
): Promise<{ workflowId: string; name: string; snapshotId: string }> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	const live = await liveWorkflow(client, environment.name, workflowId);
	if (confirmName !== live.name)
		throw new DomainError('invalid_request', `confirmName: type the workflow’s name, "${live.name}", to delete it`);
	const snapshot = await createSnapshot(deps, context, {
		environmentId,
		workflowIds: [workflowId],
		label: `Before deleting ${live.name}`,
		reason: 'deleted through WorkflowOps',
	});
	if (live.active) await client.setActive(workflowId, false);
	await client.deleteWorkflow(workflowId);
	await deps.db.transaction().execute(async (trx) => {
		const row = await trx
			.deleteFrom('workflow_inventory')
			.where('environment_id', '=', environmentId)
			.where('n8n_id', '=', workflowId)
			.returning('canonical_id')
			.executeTakeFirst();
		if (row)
			await trx
				.updateTable('canonical_workflows')
				.set({ status: 'MISSING' })
				.where('id', '=', row.canonical_id)
				.where(({ not, exists, selectFrom }) =>
					not(exists(selectFrom('workflow_inventory').select('n8n_id').where('canonical_id', '=', row.canonical_id))),
				)
				.execute();
		await appendAudit(trx, context, {
			action: 'workflow.delete',
			resourceType: 'workflow',
			resourceId: workflowId,
			environmentId,
			metadata: { name: live.name, wasActive: live.active, snapshotId: snapshot.id },
		});
	});
	return { workflowId, name: live.name, snapshotId: snapshot.id };
}
