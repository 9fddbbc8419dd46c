import crypto from 'node:crypto';
import type { Db } from '../../db/database';
import { chunks } from '../../db/batches';
import type { EnvironmentClass } from '../../db/schema';
import type { WorkflowInput } from '../../n8n/workflow-body';
import { checkWorkflow, type Finding, type RuleSettings } from './content-rules';
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

/** The rules as set now, and the hash that the findings kept under them carry. */
export interface CurrentRules {
	settings: RuleSettings;
	settingsHash: string;
}

export async function currentRules(db: Db): Promise<CurrentRules> {
	const settings = await ruleSettings(db);
	return { settings, settingsHash: crypto.createHash('sha256').update(JSON.stringify(settings)).digest('hex') };
}

/**
 * The findings on each content at each class, under the rules as set now. The rules read only what
 * normalisation keeps, so one check per content and class holds for every environment and every export
 * of it; each result is kept (content_findings) and a change of the rules starts afresh. `given` spares
 * reading back the workflows a caller holds (a sync); the others are read from the content store.
 */
export async function findingsOfContents(
	db: Db,
	wanted: Array<{ contentHash: string; class: EnvironmentClass }>,
	given = new Map<string, WorkflowInput>(),
): Promise<Map<string, Finding[]>> {
	const rules = await currentRules(db);
	const found = new Map<string, Finding[]>();
	for (const hashes of chunks([...new Set(wanted.map((w) => w.contentHash))], CHUNK)) {
		const rows = await db
			.selectFrom('content_findings')
			.select(['content_hash', 'class', 'findings'])
			.where('settings_hash', '=', rules.settingsHash)
			.where('content_hash', 'in', hashes)
			.execute();
		for (const row of rows)
			found.set(contentAtClass(row.content_hash, row.class), JSON.parse(row.findings) as Finding[]);
	}
	const missing = wanted.filter((w) => !found.has(contentAtClass(w.contentHash, w.class)));
	await checkAndKeep(db, rules, missing, given, found);
	return found;
}

/**
 * Checks and keeps the findings of each content at its class that has none under the rules as set now,
 * as `findingsOfContents` does, without reading back those already kept (a sync of what is unchanged).
 */
export async function keepFindingsOf(
	db: Db,
	wanted: Array<{ contentHash: string; class: EnvironmentClass }>,
	given: Map<string, WorkflowInput>,
): Promise<void> {
	const rules = await currentRules(db);
	const kept = new Set<string>();
	for (const hashes of chunks([...new Set(wanted.map((w) => w.contentHash))], CHUNK)) {
		const rows = await db
			.selectFrom('content_findings')
			.select(['content_hash', 'class'])
			.where('settings_hash', '=', rules.settingsHash)
			.where('content_hash', 'in', hashes)
			.execute();
		for (const row of rows) kept.add(contentAtClass(row.content_hash, row.class));
	}
	const missing = wanted.filter((w) => !kept.has(contentAtClass(w.contentHash, w.class)));
	await checkAndKeep(db, rules, missing, given, new Map());
}

/**
 * Checks each content of `missing` at its class (the workflow from `given`, or else read from the content
 * store), keeps the findings and adds them to `found`.
 */
async function checkAndKeep(
	db: Db,
	{ settings, settingsHash }: CurrentRules,
	missing: Array<{ contentHash: string; class: EnvironmentClass }>,
	given: Map<string, WorkflowInput>,
	found: Map<string, Finding[]>,
): Promise<void> {
	for (const batch of chunks([...new Set(missing.map((w) => w.contentHash))], CHUNK)) {
		const read = new Map<string, WorkflowInput>();
		const unread = batch.filter((hash) => !given.has(hash));
		if (unread.length) {
			const exports = await db
				.selectFrom('workflow_blobs')
				.select(['content_hash', (eb) => eb.fn.min('raw').as('raw')])
				.where('content_hash', 'in', unread)
				.groupBy('content_hash')
				.execute();
			for (const row of exports) read.set(row.content_hash, JSON.parse(row.raw) as WorkflowInput);
		}
		const inBatch = new Set(batch);
		const rows = missing.flatMap((w) => {
			const workflow = given.get(w.contentHash) ?? read.get(w.contentHash);
			const key = contentAtClass(w.contentHash, w.class);
			if (!inBatch.has(w.contentHash) || !workflow || found.has(key)) return [];
			const findings = checkWorkflow(workflow, w.class, settings);
			found.set(key, findings);
			const { error, warning, info } = countFindings(findings);
			const row = { content_hash: w.contentHash, class: w.class, settings_hash: settingsHash };
			return [{ ...row, findings: JSON.stringify(findings), errors: error, warnings: warning, infos: info }];
		});
		for (const values of chunks(rows, CHUNK))
			await db
				.insertInto('content_findings')
				.values(values)
				.onConflict((oc) => oc.doNothing())
				.execute();
	}
}

/** How many findings of each severity. */
export function countFindings(findings: Finding[]): FindingCounts {
	const counts = { error: 0, warning: 0, info: 0 };
	for (const finding of findings) counts[finding.severity] += 1;
	return counts;
}

const CHUNK = 200;
