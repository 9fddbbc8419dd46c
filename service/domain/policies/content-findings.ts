import crypto from 'node:crypto';
import type { Db } from '../../db/database';
import { chunks } from '../../db/batches';
import type { EnvironmentClass } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { checkWorkflow, type Finding } from './content-rules';
import { ruleSettings } from './rule-settings';

export interface FindingCounts {
	error: number;
	warning: number;
	info: number;
}

/** A content at a class, as `findingsOfContents` keys them. */
export function contentAtClass(contentHash: string, environmentClass: EnvironmentClass): string {
	return `${environmentClass}:${contentHash}`;
}

/**
 * The findings on each content at each class, under the rules as set now. The rules read only what
 * normalisation keeps, so one check per content and class holds for every environment and every export
 * of it; each result is kept (content_findings) and a change of the rules starts afresh.
 */
export async function findingsOfContents(
	db: Db,
	wanted: Array<{ contentHash: string; class: EnvironmentClass }>,
): Promise<Map<string, Finding[]>> {
	const settings = await ruleSettings(db);
	const settingsHash = crypto.createHash('sha256').update(JSON.stringify(settings)).digest('hex');
	const found = new Map<string, Finding[]>();
	for (const hashes of chunks([...new Set(wanted.map((w) => w.contentHash))], CHUNK)) {
		const rows = await db
			.selectFrom('content_findings')
			.select(['content_hash', 'class', 'findings'])
			.where('settings_hash', '=', settingsHash)
			.where('content_hash', 'in', hashes)
			.execute();
		for (const row of rows)
			found.set(contentAtClass(row.content_hash, row.class), JSON.parse(row.findings) as Finding[]);
	}
	const missing = wanted.filter((w) => !found.has(contentAtClass(w.contentHash, w.class)));
	for (const batch of chunks([...new Set(missing.map((w) => w.contentHash))], CHUNK)) {
		const exports = await db
			.selectFrom('workflow_blobs')
			.select(['content_hash', (eb) => eb.fn.min('raw').as('raw')])
			.where('content_hash', 'in', batch)
			.groupBy('content_hash')
			.execute();
		const workflows = new Map(exports.map((row) => [row.content_hash, JSON.parse(row.raw) as N8nWorkflow]));
		const rows = missing.flatMap((w) => {
			const workflow = workflows.get(w.contentHash);
			const key = contentAtClass(w.contentHash, w.class);
			if (!workflow || found.has(key)) return [];
			const findings = checkWorkflow(workflow, w.class, settings);
			found.set(key, findings);
			const row = { content_hash: w.contentHash, class: w.class, settings_hash: settingsHash };
			return [{ ...row, findings: JSON.stringify(findings) }];
		});
		for (const values of chunks(rows, CHUNK))
			await db
				.insertInto('content_findings')
				.values(values)
				.onConflict((oc) => oc.doNothing())
				.execute();
	}
	return found;
}

/** How many findings of each severity. */
export function countFindings(findings: Finding[]): FindingCounts {
	const counts = { error: 0, warning: 0, info: 0 };
	for (const finding of findings) counts[finding.severity] += 1;
	return counts;
}

const CHUNK = 200;
