import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { strToU8, Zip, ZipDeflate } from 'fflate';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { getEnvironmentRow } from '../environments/environments';
import { DomainError } from '../errors';
import { normalizeWorkflow } from './normalize';

const BATCH = 200;

export const exportQuerySchema = z.object({
	workflowIds: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((ids) =>
			ids === undefined
				? undefined
				: [ids]
						.flat()
						.flatMap((id) => id.split(','))
						.filter(Boolean),
		)
		.describe('n8n ids, comma-separated or repeated; every synced workflow when absent'),
	normalised: z
		.enum(['true', 'false'])
		.optional()
		.describe('true: each workflow’s normalised form too (normalised/), for reading diffs in Git'),
});
export type ExportQuery = z.infer<typeof exportQuerySchema>;

/** `invoice-sync--a1B2c3.json`: readable, and unique by the id. */
export const fileName = (workflow: Pick<N8nWorkflow, 'id' | 'name'>) => {
	const slug = workflow.name
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 60);
	return `${slug || 'workflow'}--${workflow.id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
};

/**
 * Writes an environment's synced workflows (or the ones asked for) as a ZIP to the stream `open` gives
 * once the request is known good: each as n8n
 * exported it in workflows/, optionally its normalised form in normalised/, and a manifest. Read in
 * batches and written as they are compressed, so an estate of any size streams.
 */
export async function exportWorkflows(
	db: Db,
	environmentId: string,
	query: ExportQuery,
	open: (environment: { name: string }) => Writable,
): Promise<void> {
	const environment = await getEnvironmentRow(db, environmentId);
	let select = db
		.selectFrom('workflow_inventory')
		.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'workflow_inventory.raw_hash')
		.select(['workflow_inventory.n8n_id', 'workflow_inventory.content_hash', 'workflow_blobs.raw'])
		.where('workflow_inventory.environment_id', '=', environmentId);
	if (query.workflowIds) {
		if (!query.workflowIds.length) throw new DomainError('invalid_request', 'workflowIds: name at least one workflow');
		const known = await db
			.selectFrom('workflow_inventory')
			.select('n8n_id')
			.where('environment_id', '=', environmentId)
			.where('n8n_id', 'in', query.workflowIds)
			.execute();
		const missing = query.workflowIds.filter((id) => !known.some((row) => row.n8n_id === id));
		if (missing.length)
			throw new DomainError(
				'not_found',
				`"${environment.name}" has no synced workflow ${missing.join(', ')}: sync it, or leave it out`,
				{ workflowIds: missing },
			);
		select = select.where('workflow_inventory.n8n_id', 'in', query.workflowIds);
	}

	const out = open(environment);
	const zip = new Zip((error, chunk, final) => {
		if (error) out.destroy(error);
		else {
			out.write(chunk);
			if (final) out.end();
		}
	});
	const add = (path: string, text: string) => {
		const file = new ZipDeflate(path, { level: 6 });
		zip.add(file);
		file.push(strToU8(text), true);
	};
	const manifest: Array<{ id: string; name: string; active: boolean; contentHash: string; file: string }> = [];
	for (let offset = 0; ; offset += BATCH) {
		const rows = await select.orderBy('workflow_inventory.n8n_id').limit(BATCH).offset(offset).execute();
		for (const row of rows) {
			const workflow = JSON.parse(row.raw) as N8nWorkflow;
			const file = fileName(workflow);
			add(`workflows/${file}`, `${JSON.stringify(workflow, null, 2)}\n`);
			if (query.normalised === 'true')
				add(`normalised/${file}`, `${JSON.stringify(normalizeWorkflow(workflow), null, 2)}\n`);
			manifest.push({
				id: workflow.id,
				name: workflow.name,
				active: workflow.active,
				contentHash: row.content_hash,
				file,
			});
		}
		if (out.writableNeedDrain) await once(out, 'drain');
		if (rows.length < BATCH) break;
	}
	add(
		'manifest.json',
		`${JSON.stringify(
			{
				environment: { id: environment.id, name: environment.name, class: environment.class },
				syncedAt: environment.last_sync_at,
				exportedAt: new Date().toISOString(),
				workflows: manifest,
			},
			null,
			2,
		)}\n`,
	);
	zip.end();
}
