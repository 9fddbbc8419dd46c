import crypto from 'node:crypto';
import { z } from 'zod';
import { chunks } from '../../db/batches';
import type { Db } from '../../db/database';
import type { EnvironmentClass, WorkflowInventoryTable } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';
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
		async (report, jobId) => {
			try {
				// The credentials are read while the workflows are.
				const credentialsRead = scope === 'workflows' ? undefined : listCredentials(client, environment.name);
				credentialsRead?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
				const read =
					scope === 'credentials' ? undefined : await readWorkflows(deps.db, client, environment, jobId, report);
				const workflows = read?.workflows.length ?? 0;
				const credentials = await credentialsRead;
				const syncedAt = new Date().toISOString();
				await deps.db.transaction().execute(async (trx) => {
					if (read) await replaceWorkflows(trx, environmentId, jobId, read, syncedAt);
					if (credentials) await replaceCredentials(trx, environmentId, credentials, syncedAt);
					await trx
						.updateTable('environments')
						.set({ last_sync_at: syncedAt })
						.where('id', '=', environmentId)
						.execute();
					await appendAudit(trx, context, {
						action: 'environment.sync',
						resourceType: 'environment',
						resourceId: environmentId,
						environmentId,
						metadata: { scope, workflows, credentials: credentials?.length ?? null },
					});
				});
				return {
					scope,
					pages: read?.pages ?? 0,
					workflows,
					credentials: credentials === undefined ? null : credentials.length,
					syncedAt,
				};
			} finally {
				await deps.db.deleteFrom('inventory_sync_rows').where('job_id', '=', jobId).execute();
			}
		},
	);
}

/**
 * Pages through the environment's workflows, keeping each page's content, and the sync's row of each
 * workflow not as the inventory had it when the sync started: each page is hashed while n8n serves the
 * next, and stored while the next is hashed (SQLite writes on its own thread). Returns, or throws, once
 * nothing is being stored any more. The store is content-addressed, so what a failed sync stored there
 * is never wrong, only unreferenced.
 */
async function readWorkflows(
	db: Db,
	client: N8nClient,
	environment: { id: string; class: EnvironmentClass },
	jobId: string,
	report: (progress: { pages: number; workflows: number }) => Promise<void>,
): Promise<{ pages: number; workflows: InventoriedWorkflow[]; kept: Set<string> }> {
	const known = inventoryOf(db, environment.id);
	const kept = new Set<string>();
	let storing: Promise<unknown> = known;
	const workflows: InventoriedWorkflow[] = [];
	let pages = 0;
	try {
		// A workflow the inventory has that a shift of n8n's pages hid is asked for by id.
		const knownIds = known.then((inventory) => inventory.keys());
		for await (const page of client.workflowPages(knownIds)) {
			const prepared = await prepareWorkflows(db, page);
			const rows = prepared.map(inventoried);
			// Independent writes: one's JavaScript runs while the database works on another's.
			storing = storing.then(async () => {
				const changed = changedSince(await known, rows);
				for (const row of changed) kept.add(row.n8n_id);
				const writes = await Promise.allSettled([
					storeWorkflows(db, prepared),
					keepFindings(db, prepared, environment.class),
					keepRead(db, jobId, changed),
				]);
				// Each write has ended before a failure is passed on: the sync then clears its rows.
				for (const write of writes) if (write.status === 'rejected') throw write.reason;
			});
			storing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
			pages += 1;
			workflows.push(...rows);
			await report({ pages, workflows: workflows.length });
		}
	} catch (error) {
		await storing.catch(() => undefined);
		throw error;
	}
	await storing;
	return { pages, workflows, kept };
}

/** The environment's inventory rows by n8n id. */
async function inventoryOf(db: Db, environmentId: string): Promise<Map<string, WorkflowInventoryTable>> {
	const rows = await db
		.selectFrom('workflow_inventory')
		.selectAll()
		.where('environment_id', '=', environmentId)
		.execute();
	return new Map(rows.map((row) => [row.n8n_id, row]));
}

const changedSince = (inventory: Map<string, WorkflowInventoryTable>, rows: InventoriedWorkflow[]) =>
	rows.filter((row) => !sameRow(inventory.get(row.n8n_id), row));

/** The same comparison the closing UPDATE makes in SQL: the columns read from n8n. */
const sameRow = (known: WorkflowInventoryTable | undefined, row: InventoriedWorkflow) =>
	known !== undefined && READ_COLUMNS.every((column) => known[column] === row[column]);

/** Keeps what the sync read of each workflow, with the identity it gets if it is new to the inventory. */
async function keepRead(db: Db, jobId: string, rows: InventoriedWorkflow[]): Promise<void> {
	for (const batch of chunks(rows, CHUNK))
		await db
			.insertInto('inventory_sync_rows')
			.values(batch.map((row) => ({ ...row, job_id: jobId, canonical_id: crypto.randomUUID() })))
			.execute();
}

async function replaceCredentials(trx: Db, environmentId: string, credentials: N8nCredential[], syncedAt: string) {
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

/** The columns of an inventory row that come from n8n. */
const READ_COLUMNS = [
	'name',
	'active',
	'tags',
	'node_types',
	'node_count',
	'content_hash',
	'raw_hash',
	'n8n_updated_at',
] as const satisfies ReadonlyArray<keyof InventoriedWorkflow>;

/**
 * Makes the environment's inventory what the sync read, touching only what changed: new workflows get a
 * canonical identity and a row, changed rows are rewritten, rows of workflows gone are removed (their
 * canonical identity marked MISSING unless another environment still has it), and unchanged rows are
 * left alone. The sync kept its rows of what had changed when it started; what changed in the inventory
 * since is kept here, and then all are written in a few statements.
 */
async function replaceWorkflows(
	trx: Db,
	environmentId: string,
	jobId: string,
	{ workflows, kept }: { workflows: InventoriedWorkflow[]; kept: Set<string> },
	syncedAt: string,
): Promise<void> {
	const current = await inventoryOf(trx, environmentId);
	await keepRead(
		trx,
		jobId,
		changedSince(
			current,
			workflows.filter((row) => !kept.has(row.n8n_id)),
		),
	);
	for (const row of workflows) current.delete(row.n8n_id);
	const gone = [...current.values()];
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
	for (const batch of chunks(
		gone.map((row) => row.n8n_id),
		CHUNK,
	))
		await trx
			.deleteFrom('workflow_inventory')
			.where('environment_id', '=', environmentId)
			.where('n8n_id', 'in', batch)
			.execute();
	await trx
		.updateTable('workflow_inventory')
		.from('inventory_sync_rows as seen')
		.set((eb) => Object.fromEntries(READ_COLUMNS.map((column) => [column, eb.ref(`seen.${column}`)])))
		.where('seen.job_id', '=', jobId)
		.where('workflow_inventory.environment_id', '=', environmentId)
		.whereRef('seen.n8n_id', '=', 'workflow_inventory.n8n_id')
		.where((eb) =>
			eb.or(
				READ_COLUMNS.map((column) => eb(`workflow_inventory.${column}`, 'is distinct from', eb.ref(`seen.${column}`))),
			),
		)
		.execute();
	const fresh = trx
		.selectFrom('inventory_sync_rows as seen')
		.where('seen.job_id', '=', jobId)
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					selectFrom('workflow_inventory as known')
						.select('known.n8n_id')
						.where('known.environment_id', '=', environmentId)
						.whereRef('known.n8n_id', '=', 'seen.n8n_id'),
				),
			),
		);
	await trx
		.insertInto('canonical_workflows')
		.columns(['id', 'name', 'status', 'created_at'])
		.expression(
			fresh.select((eb) => [
				'seen.canonical_id',
				'seen.name',
				eb.cast<string>(eb.val('UNMAPPED'), 'text').as('status'),
				eb.cast<string>(eb.val(syncedAt), 'text').as('created_at'),
			]),
		)
		.execute();
	await trx
		.insertInto('workflow_inventory')
		.columns(['environment_id', 'n8n_id', 'canonical_id', ...READ_COLUMNS])
		.expression(
			fresh.select((eb) => [
				eb.cast<string>(eb.val(environmentId), 'text').as('environment_id'),
				'seen.n8n_id',
				'seen.canonical_id',
				...READ_COLUMNS.map((column) => `seen.${column}` as const),
			]),
		)
		.execute();
}
