import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { chunks } from '../../db/batches';
import type { Database, EnvironmentClass } from '../../db/schema';
import type { Listed } from '../../n8n/list-page';
import { keepFindingsOf } from '../policies/content-findings';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { canonicalJson, normalizeWorkflow } from './normalize';

export interface StoredWorkflow {
	workflow: N8nWorkflow;
	raw: string;
	rawHash: string;
	contentHash: string;
	/** Whether this exact export is already stored. */
	known: boolean;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/**
 * Hashes workflows as n8n returned them: the raw JSON kept exactly, and the hash of its normalised
 * content. An export already stored (same raw hash: n8n changes updatedAt and versionId on every
 * save) keeps the content hash it has, so only new or changed workflows are normalised.
 */
export async function prepareWorkflows(
	db: Kysely<Database>,
	workflows: Array<Listed<N8nWorkflow>>,
): Promise<StoredWorkflow[]> {
	const raws = workflows.map(({ item, raw }) => ({ workflow: item, raw, rawHash: sha256(raw) }));
	const known = new Map<string, string>();
	for (const hashes of chunks(
		raws.map((entry) => entry.rawHash),
		CHUNK,
	)) {
		const rows = await db
			.selectFrom('workflow_blobs')
			.select(['raw_hash', 'content_hash'])
			.where('raw_hash', 'in', hashes)
			.execute();
		for (const row of rows) known.set(row.raw_hash, row.content_hash);
	}
	return raws.map((entry) => {
		const contentHash = known.get(entry.rawHash);
		if (contentHash) return { ...entry, contentHash, known: true };
		return { ...entry, contentHash: sha256(canonicalJson(normalizeWorkflow(entry.workflow))), known: false };
	});
}

const CHUNK = 200;

/**
 * Stores each distinct content and raw export once: a hash already stored is skipped by the insert
 * itself, so storing an unchanged set of workflows writes nothing.
 */
export async function storeWorkflows(db: Kysely<Database>, workflows: StoredWorkflow[]): Promise<void> {
	const fresh = workflows.filter((w) => !w.known);
	const contents = new Map(fresh.map((w) => [w.contentHash, { content_hash: w.contentHash }]));
	const blobs = new Map(
		fresh.map((w) => [w.rawHash, { raw_hash: w.rawHash, content_hash: w.contentHash, raw: w.raw }]),
	);
	for (const rows of chunks([...contents.values()], CHUNK))
		await db
			.insertInto('workflow_contents')
			.values(rows)
			.onConflict((conflict) => conflict.column('content_hash').doNothing())
			.execute();
	for (const rows of chunks([...blobs.values()], CHUNK))
		await db
			.insertInto('workflow_blobs')
			.values(rows)
			.onConflict((conflict) => conflict.column('raw_hash').doNothing())
			.execute();
}

/** Checks the content rules on the workflows at the class of the environment they come from, as syncs store them. */
export async function keepFindings(
	db: Kysely<Database>,
	workflows: StoredWorkflow[],
	environmentClass: EnvironmentClass,
): Promise<void> {
	await keepFindingsOf(
		db,
		workflows.map((w) => ({ contentHash: w.contentHash, class: environmentClass })),
		new Map(workflows.map((w) => [w.contentHash, w.workflow])),
	);
}
