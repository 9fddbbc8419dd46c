import { unzipSync } from 'fflate';
import type { N8nWorkflow, WorkflowInput } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { TagResolver } from '../changes/tags';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError, messageOf } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { refreshInventoryRow } from './workflow-identity';
import { mapWorkflowRefs, referencedWorkflowIds } from './workflow-refs';

/** What one upload may hold once unpacked: enough for an estate, not a ZIP bomb. */
const MAX_FILES = 5000;
const MAX_UNPACKED_BYTES = 200 * 1024 * 1024;

export interface UploadedFile {
	name: string;
	bytes: Uint8Array;
}

/** One workflow of an upload: where it came from, and what is wrong with it if anything. */
export interface UploadEntry {
	file: string;
	workflow?: WorkflowInput;
	/** Why it cannot be created. */
	problems: string[];
	/** Connections from or to nodes the workflow lacks: n8n 1.x stores them (its editor drops them), 2.x refuses them. */
	dangling: string[];
}

export interface ImportResult extends Record<string, unknown> {
	total: number;
	created: Array<{ file: string; name: string; workflowId: string; warnings: string[] }>;
	/** Refused before any write: what is wrong with the file. */
	refused: Array<{ file: string; name: string | null; problems: string[] }>;
	/** Refused by n8n, with its reason; nothing of them is left there. */
	failed: Array<{ file: string; name: string; error: string }>;
}

const isZip = (bytes: Uint8Array) => bytes[0] === 0x50 && bytes[1] === 0x4b;

/**
 * The workflows of an upload: JSON files holding a workflow or a list of them, or ZIPs of such files
 * (a ZIP this companion made: its manifest and normalised forms are skipped). Each with what is wrong
 * with it; an upload that cannot be read at all is refused whole.
 */
export function readUpload(files: UploadedFile[]): UploadEntry[] {
	const jsonFiles: UploadedFile[] = [];
	let unpacked = 0;
	for (const file of files) {
		if (!isZip(file.bytes)) {
			jsonFiles.push(file);
			continue;
		}
		let entries: Record<string, Uint8Array>;
		try {
			entries = unzipSync(file.bytes, {
				filter: (entry) => {
					if (!entry.name.endsWith('.json') || entry.name === 'manifest.json' || entry.name.startsWith('normalised/'))
						return false;
					unpacked += entry.originalSize;
					if (unpacked > MAX_UNPACKED_BYTES)
						throw new DomainError('invalid_request', `${file.name}: unpacks to more than 200 MB; upload it in parts`);
					return true;
				},
			});
		} catch (error) {
			if (error instanceof DomainError) throw error;
			throw new DomainError('invalid_request', `${file.name}: not a ZIP that can be read (${messageOf(error)})`);
		}
		for (const [name, bytes] of Object.entries(entries)) jsonFiles.push({ name: `${file.name}/${name}`, bytes });
	}
	if (jsonFiles.length > MAX_FILES)
		throw new DomainError(
			'invalid_request',
			`The upload holds ${jsonFiles.length} files; at most ${MAX_FILES} at once`,
		);
	if (!jsonFiles.length) throw new DomainError('invalid_request', 'The upload holds no workflow file (.json)');
	return jsonFiles.flatMap(({ name, bytes }): UploadEntry[] => {
		let value: unknown;
		try {
			value = JSON.parse(Buffer.from(bytes).toString('utf8'));
		} catch (error) {
			return [{ file: name, problems: [`not JSON: ${messageOf(error)}`], dangling: [] }];
		}
		const list = Array.isArray(value) ? value : [value];
		return list.map((workflow, i) => {
			const file = list.length > 1 ? `${name}#${i + 1}` : name;
			const problems = workflowProblems(workflow);
			if (problems.length) return { file, problems, dangling: [] };
			return {
				file,
				workflow: workflow as WorkflowInput,
				problems,
				dangling: danglingConnections(workflow as WorkflowInput),
			};
		});
	});
}

/** What makes a value no workflow n8n could take: a name, nodes with names, types, versions and positions. */
export function workflowProblems(value: unknown): string[] {
	if (!isRecord(value)) return ['not a workflow: a JSON object with a name, nodes and connections is expected'];
	const problems: string[] = [];
	if (typeof value.name !== 'string' || !value.name.trim()) problems.push('name: missing or empty');
	if (!Array.isArray(value.nodes)) return [...problems, 'nodes: missing, or not a list'];
	const names = new Set<string>();
	value.nodes.forEach((node, i) => {
		if (!isRecord(node)) return void problems.push(`nodes[${i}]: not an object`);
		const label = typeof node.name === 'string' ? `node "${node.name}"` : `nodes[${i}]`;
		if (typeof node.name !== 'string' || !node.name) problems.push(`${label}: no name`);
		else if (names.has(node.name)) problems.push(`${label}: the name is used twice`);
		else names.add(node.name);
		if (typeof node.type !== 'string' || !node.type) problems.push(`${label}: no type`);
		if (typeof node.typeVersion !== 'number') problems.push(`${label}: typeVersion is not a number`);
		if (!Array.isArray(node.position) || node.position.length !== 2 || !node.position.every(Number.isFinite))
			problems.push(`${label}: position is not [x, y]`);
		if (node.parameters !== undefined && !isRecord(node.parameters))
			problems.push(`${label}: parameters is not an object`);
	});
	if (value.connections !== undefined && !isRecord(value.connections)) problems.push('connections: not an object');
	if (value.settings !== undefined && !isRecord(value.settings)) problems.push('settings: not an object');
	return problems;
}

function danglingConnections(workflow: WorkflowInput): string[] {
	const names = new Set(workflow.nodes.map((node) => node.name));
	const found: string[] = [];
	for (const [source, outputs] of Object.entries(workflow.connections ?? {})) {
		if (!names.has(source)) found.push(`a connection from "${source}", which is no node of the workflow`);
		for (const slots of Object.values(isRecord(outputs) ? outputs : {}))
			for (const slot of Array.isArray(slots) ? slots : [])
				for (const target of Array.isArray(slot) ? slot : [])
					if (isRecord(target) && typeof target.node === 'string' && !names.has(target.node))
						found.push(`a connection from "${source}" to "${target.node}", which is no node of the workflow`);
	}
	return found;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Starts creating the upload's valid workflows in an environment, as a job: a name the instance (or
 * the upload) already has is refused; the workflows others of the upload run or name are created
 * first and named by their new ids; each is created inactive with its tags, read back, written to the
 * inventory and audited. A workflow whose tags n8n refuses is deleted again: nothing is left half-made.
 */
export async function startImport(
	deps: EnvironmentDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
	entries: UploadEntry[],
): Promise<Job> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	return deps.jobs.start(
		{
			kind: 'workflows.import',
			environmentId,
			createdBy: context.actor.id,
			onlyOne: `An upload into "${environment.name}" is already running`,
		},
		async (report) => {
			const result: ImportResult = { total: entries.length, created: [], refused: [], failed: [] };
			await report({ total: entries.length, done: 0, stage: 'reading the workflows n8n has' });
			const taken = new Map((await client.listWorkflows()).map((workflow) => [workflow.name, workflow.id]));
			const major = await client.majorVersion();
			const valid: Array<{ file: string; workflow: WorkflowInput; warnings: string[] }> = [];
			for (const { file, workflow, problems, dangling } of entries) {
				const name = workflow?.name ?? null;
				if (!workflow) result.refused.push({ file, name, problems });
				else if (dangling.length && major === 2)
					result.refused.push({ file, name, problems: dangling.map((found) => `n8n 2.x refuses ${found}`) });
				else if (taken.has(workflow.name))
					result.refused.push({
						file,
						name,
						problems: [
							`"${environment.name}" already has a workflow named "${workflow.name}" (${taken.get(workflow.name)}): rename one`,
						],
					});
				else if (valid.some((other) => other.workflow.name === workflow.name))
					result.refused.push({ file, name, problems: ['another file of the upload has the same name'] });
				else
					valid.push({ file, workflow, warnings: dangling.map((found) => `n8n keeps ${found}; its editor drops it`) });
			}
			const newIds = new Map<string, string>();
			for (const [done, { file, workflow, warnings: found }] of dependenciesFirst(valid).entries()) {
				await report({ total: valid.length, done, current: workflow.name });
				const warnings = [...found];
				const body = mapWorkflowRefs(workflow, (id) => {
					if (newIds.has(id)) return newIds.get(id)!;
					warnings.push(`names workflow ${id}, which this upload did not create: left as it is`);
					return id;
				});
				let created: N8nWorkflow | undefined;
				try {
					created = await client.createWorkflow(body);
					const tagNames = (workflow.tags ?? []).map((tag) => tag.name);
					if (tagNames.length) await client.setWorkflowTags(created.id, await new TagResolver(client).idsOf(tagNames));
					const readBack = await client.getWorkflow(created.id);
					await deps.db.transaction().execute(async (trx) => {
						await refreshInventoryRow(trx, environmentId, readBack);
						await appendAudit(trx, context, {
							action: 'workflow.import',
							resourceType: 'workflow',
							resourceId: readBack.id,
							environmentId,
							metadata: { name: readBack.name, file, sourceId: workflow.id ?? null },
						});
					});
					if (workflow.id) newIds.set(workflow.id, readBack.id);
					result.created.push({ file, name: readBack.name, workflowId: readBack.id, warnings });
				} catch (error) {
					if (created) await client.deleteWorkflow(created.id).catch(() => undefined);
					result.failed.push({ file, name: workflow.name, error: messageOf(error) });
				}
			}
			return result;
		},
	);
}

/** The workflows in an order where each comes after those of the upload it runs or names (cycles as they come). */
function dependenciesFirst<T extends { workflow: WorkflowInput }>(items: T[]): T[] {
	const byId = new Map(items.filter((item) => item.workflow.id).map((item) => [item.workflow.id!, item]));
	const ordered: T[] = [];
	const seen = new Set<T>();
	const visit = (item: T) => {
		if (seen.has(item)) return;
		seen.add(item);
		for (const id of referencedWorkflowIds(item.workflow)) {
			const dependency = byId.get(id);
			if (dependency) visit(dependency);
		}
		ordered.push(item);
	};
	items.forEach(visit);
	return ordered;
}
