import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { canonicalJson, hashNormalized, normalizeWorkflow } from './normalize';

export interface StoredWorkflow {
	workflow: N8nWorkflow;
	raw: string;
	rawHash: string;
	contentHash: string;
	normalized: string;
}

/** Hashes a workflow as n8n returned it: the raw JSON kept exactly, and its normalised content. */
export function prepareWorkflow(workflow: N8nWorkflow): StoredWorkflow {
	const raw = JSON.stringify(workflow);
	const normalized = normalizeWorkflow(workflow);
	return {
		workflow,
		raw,
		rawHash: crypto.createHash('sha256').update(raw).digest('hex'),
		contentHash: hashNormalized(normalized),
		normalized: canonicalJson(normalized),
	};
}

const CHUNK = 200;

/** Stores each distinct content and raw export once; what is already there is left as it is. */
export async function storeWorkflows(db: Kysely<Database>, workflows: StoredWorkflow[]): Promise<void> {
	const contents = new Map(
		workflows.map((w) => [w.contentHash, { content_hash: w.contentHash, normalized: w.normalized }]),
	);
	const blobs = new Map(
		workflows.map((w) => [w.rawHash, { raw_hash: w.rawHash, content_hash: w.contentHash, raw: w.raw }]),
	);
	for (const [table, rows, key] of [
		['workflow_contents', [...contents.values()], 'content_hash'],
		['workflow_blobs', [...blobs.values()], 'raw_hash'],
	] as const) {
		for (let start = 0; start < rows.length; start += CHUNK) {
			await db
				.insertInto(table)
				.values(rows.slice(start, start + CHUNK) as never)
				.onConflict((oc) => oc.column(key).doNothing())
				.execute();
		}
	}
}
