import crypto from 'node:crypto';
import { z } from 'zod';
import { chunks } from '../../db/batches';
import type { Db } from '../../db/database';
import type { CanonicalWorkflowsTable, WorkflowInventoryTable } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import type { Job, Jobs } from '../jobs/jobs';
import { keepFindings, prepareWorkflows, type StoredWorkflow, storeWorkflows } from './content-store';

export const syncRequestSchema = z.object({
	scope: z.enum(['all', 'workflows', 'credentials']).default('all').describe('what to pull from n8n'),
});
export type SyncScope = z.infer<typeof syncRequestSchema>['scope'];

export interface SyncDeps extends EnvironmentDeps {
	jobs: Jobs;
}

const credentialListSchema = z.array(z.object({ id: z.string(), name: z.string(), type: z.string() }));
type N8nCredential = z.infer<typeof credentialListSchema>[number];

const CHUNK = 500;

/** An inventory row as far as a page tells it: the environment, identity and time are added at the end. */
export type InventoriedWorkflow = Omit<WorkflowInventoryTable, 'environment_id' | 'canonical_id'>;

export const inventoried = ({ workflow, contentHash, rawHash }: StoredWorkflow): InventoriedWorkflow => ({
	n8n_id: workflow.id,
	name: workflow.name,
	active: workflow.active ? 1 : 0,
	tags: JSON.stringify((workflow.tags ?? []).map((tag) => tag.name)),
	node_types: JSON.stringify([...new Set((workflow.nodes ?? []).map((node) => node.type))].sort()),
	node_count: (workflow.nodes ?? []).length,
	content_hash: contentHash,
	raw_hash: rawHash,
	n8n_updated_at: workflow.updatedAt ?? null,
});

/**
 * Starts pulling an environment's workflows (with tags) and credential metadata (id, name, type; never
 * secrets) into the inventory, as a background job whose progress is the pages and workflows seen.
 * The new inventory replaces the last good one in one transaction, or not at all.
 */
export async function startInventorySync(
	deps: SyncDeps,
	context: AuditContext,
	environmentId: string,
	scope: SyncScope,
): Promise<Job> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));

	return deps.jobs.start(
		{
			kind: 'inventory.sync',
			environmentId,
			createdBy: context.actor.id,
			onlyOne: `A sync of "${environment.name}" is already running`,
		},
		async (report) => {
			const workflows: InventoriedWorkflow[] = [];
			let pages = 0;
			// Each page is hashed while n8n serves the next, and its content stored while the next is hashed
			// (SQLite writes on its own thread). The store is content-addressed, so what a failed sync
			// stored there is never wrong, only unreferenced.
			let storing = Promise.resolve();
			// The credentials are read while the workflows are.
			const credentialsRead = scope === 'workflows' ? undefined : listCredentials(client, environment.name);
			credentialsRead?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
			if (scope !== 'credentials') {
				for await (const page of client.listed<N8nWorkflow>('/workflows')) {
					const prepared = await prepareWorkflows(deps.db, page);
					storing = storing
						.then(() => storeWorkflows(deps.db, prepared))
						.then(() => keepFindings(deps.db, prepared, environment.class));
					storing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
					workflows.push(...prepared.map(inventoried));
					pages += 1;
					await report({ pages, workflows: workflows.length });
				}
			}
			await storing;
			const credentials = await credentialsRead;
			const syncedAt = new Date().toISOString();
			await deps.db.transaction().execute(async (trx) => {
				if (scope !== 'credentials') await replaceWorkflows(trx, environmentId, workflows, syncedAt);
				if (credentials) {
					await trx.deleteFrom('credential_inventory').where('environment_id', '=', environmentId).execute();
					for (const batch of chunks(credentials, CHUNK)) {
						const rows = batch.map((c) => ({
							environment_id: environmentId,
							n8n_id: c.id,
							name: c.name,
							type: c.type,
							synced_at: syncedAt,
						}));
						await trx.insertInto('credential_inventory').values(rows).execute();
					}
				}
				await trx.updateTable('environments').set({ last_sync_at: syncedAt }).where('id', '=', environmentId).execute();
				await appendAudit(trx, context, {
					action: 'environment.sync',
					resourceType: 'environment',
					resourceId: environmentId,
					environmentId,
					metadata: { scope, workflows: workflows.length, credentials: credentials?.length ?? null },
				});
			});
			return {
				scope,
				pages,
				workflows: workflows.length,
				credentials: credentials === undefined ? null : credentials.length,
				syncedAt,
			};
		},
	);
}

/** Credential metadata, or undefined where the public API has no credential list (n8n 1.x). */
export async function listCredentials(
	client: N8nClient,
	environmentName: string,
): Promise<N8nCredential[] | undefined> {
	let items: unknown[];
	try {
		items = await client.listAll('/credentials');
	} catch (error) {
		if (error instanceof N8nError && (error.status === 404 || error.status === 405)) return undefined;
		throw error;
	}
	const credentials = credentialListSchema.safeParse(items);
	if (credentials.success) return credentials.data;
	throw new N8nError(
		'not_n8n',
		environmentName,
		'GET /api/v1/credentials',
		'its credential list has entries without an id, a name and a type',
	);
}

/**
 * Makes the environment's inventory what the sync saw, touching only what changed: new workflows get a
 * canonical identity and a row, changed rows are rewritten, rows of workflows gone are removed (their
 * canonical identity marked MISSING unless another environment still has it), and unchanged rows are
 * left alone.
 */
async function replaceWorkflows(
	trx: Db,
	environmentId: string,
	workflows: InventoriedWorkflow[],
	syncedAt: string,
): Promise<void> {
	const current = new Map(
		(await trx.selectFrom('workflow_inventory').selectAll().where('environment_id', '=', environmentId).execute()).map(
			(row) => [row.n8n_id, row],
		),
	);
	const rows: WorkflowInventoryTable[] = [];
	const newCanonicals: CanonicalWorkflowsTable[] = [];
	const changed: string[] = [];
	for (const workflow of workflows) {
		const known = current.get(workflow.n8n_id);
		current.delete(workflow.n8n_id);
		if (known && unchanged(known, workflow)) continue;
		if (known) changed.push(known.n8n_id);
		const canonicalId = known?.canonical_id ?? crypto.randomUUID();
		if (!known) newCanonicals.push({ id: canonicalId, name: workflow.name, status: 'UNMAPPED', created_at: syncedAt });
		rows.push({ ...workflow, environment_id: environmentId, canonical_id: canonicalId });
	}
	const gone = [...current.values()];
	for (const batch of chunks(newCanonicals, CHUNK)) await trx.insertInto('canonical_workflows').values(batch).execute();
	for (const batch of chunks(
		gone.map((row) => row.canonical_id),
		CHUNK,
	))
		await trx
			.updateTable('canonical_workflows')
			.set({ status: 'MISSING' })
			.where('id', 'in', batch)
			// A workflow linked across environments is missing only where no environment has it any more.
			.where(({ not, exists, selectFrom }) =>
				not(
					exists(
						selectFrom('workflow_inventory')
							.select('n8n_id')
							.whereRef('workflow_inventory.canonical_id', '=', 'canonical_workflows.id')
							.where('workflow_inventory.environment_id', '!=', environmentId),
					),
				),
			)
			.execute();
	for (const batch of chunks([...gone.map((row) => row.n8n_id), ...changed], CHUNK)) {
		await trx
			.deleteFrom('workflow_inventory')
			.where('environment_id', '=', environmentId)
			.where('n8n_id', 'in', batch)
			.execute();
	}
	for (const batch of chunks(rows, CHUNK)) await trx.insertInto('workflow_inventory').values(batch).execute();
}

const unchanged = (row: WorkflowInventoryTable, workflow: InventoriedWorkflow) =>
	(Object.keys(workflow) as Array<keyof InventoriedWorkflow>).every((key) => row[key] === workflow[key]);
