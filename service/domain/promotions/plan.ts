import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { EnvironmentRow } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { baselineIndex, compareWithBaseline } from '../drift/drift-check';
import { baselineWorkflows } from '../drift/baselines';
import { publishedView } from '../drift/published';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError } from '../errors';
import { listCredentials } from '../workflows/inventory-sync';
import { diffWorkflows, type WorkflowDiff } from '../workflows/diff';
import { canonicalJson, contentHash } from '../workflows/normalize';
import { maxRisk, type Risk } from '../workflows/risk';
import { mapWorkflowRefs, referencedWorkflowIds, workflowRefProblems } from '../workflows/workflow-refs';
import { bindingsBetween } from './credential-bindings';
import { credentialRefs, type KnownCredential, resolveCredential } from './credentials';
import { defaultStage, getPipeline, type Stage } from './pipelines';

const planRequestFields = z
	.object({
		sourceEnvironmentId: z.string().min(1).optional(),
		targetEnvironmentId: z.string().min(1).optional(),
		pipelineId: z.string().min(1).optional(),
		stage: z.number().int().min(0).optional().describe('the stage of the pipeline, from 0'),
		workflowIds: z.array(z.string().min(1)).min(1).max(1000).optional().describe('source workflows to promote'),
		canonicalIds: z.array(z.string().min(1)).min(1).max(1000).optional(),
		tag: z.string().trim().min(1).optional().describe('every source workflow with this tag'),
		changedOnly: z
			.literal(true)
			.optional()
			.describe('every source workflow whose content differs from the target, and what the source no longer has'),
		overrideHotfixes: z
			.array(z.string().min(1))
			.max(1000)
			.default([])
			.describe('target workflow ids whose hand edits the promotion may overwrite (admin)'),
		activate: z.boolean().default(false).describe('activate (publish) the workflows the promotion creates'),
	})
	.strict();

/** One selection, and either the two environments or a pipeline's stage. */
function checkPlanRequest(request: z.infer<typeof planRequestFields>, context: z.RefinementCtx): void {
	const selections = (['workflowIds', 'canonicalIds', 'tag', 'changedOnly'] as const).filter(
		(key) => request[key] !== undefined,
	);
	if (selections.length !== 1)
		context.addIssue({
			code: 'custom',
			path: [],
			message: 'must select workflows in one way: workflowIds, canonicalIds, tag or changedOnly',
		});
	const byEnvironments = request.sourceEnvironmentId !== undefined || request.targetEnvironmentId !== undefined;
	const byPipeline = request.pipelineId !== undefined || request.stage !== undefined;
	if (
		byEnvironments === byPipeline ||
		(byEnvironments && !(request.sourceEnvironmentId && request.targetEnvironmentId)) ||
		(byPipeline && !(request.pipelineId && request.stage !== undefined))
	)
		context.addIssue({
			code: 'custom',
			path: [],
			message: 'must name sourceEnvironmentId and targetEnvironmentId, or pipelineId and stage',
		});
}

export const planRequestSchema = planRequestFields.superRefine(checkPlanRequest);

/** A promotion request: the plan's, and why. */
export const promotionRequestSchema = planRequestFields
	.extend({
		reason: z.string().trim().max(2000).default('').describe('why (kept with the promotion and in the audit log)'),
	})
	.superRefine(checkPlanRequest);
export type PlanRequest = z.infer<typeof planRequestSchema>;

export type PlanStatus = 'ADDED' | 'MODIFIED' | 'DELETED' | 'UNCHANGED' | 'TARGET_HOTFIX';
export type PlanAction = 'create' | 'update' | 'delete' | 'none';

export interface Blocker {
	code: string;
	message: string;
	workflowId?: string;
	[detail: string]: unknown;
}

export interface Substitution {
	node: string;
	kind: 'credential' | 'workflow';
	from: string;
	to: string;
	how: 'binding' | 'name' | 'link' | 'name_link' | 'created_by_promotion';
}

export interface PlanItem {
	status: PlanStatus;
	action: PlanAction;
	sourceWorkflowId: string | null;
	targetWorkflowId: string | null;
	canonicalId: string | null;
	name: string;
	risk: Risk | null;
	reasons: string[];
	/** From the target now to what will be written. */
	diff?: WorkflowDiff;
	/** For TARGET_HOTFIX: from the target's baseline to its live content (the hand edit). */
	hotfixDiff?: WorkflowDiff;
	/** How the target workflow was found: linked before, or matched by name now (linked on completion). */
	link: 'linked' | 'by_name' | 'new' | null;
	/** A sub-workflow or error workflow the selection needs, added to the plan. */
	dependency: boolean;
	substitutions: Substitution[];
	tags: string[];
	warnings: string[];
	blockers: Blocker[];
	/** The target's content when planned: a promotion runs only on the target it was planned on. */
	targetContentHash: string | null;
	/** The hash of exactly what will be written (null when nothing is). */
	expectedContentHash: string | null;
}

export interface Plan {
	sourceEnvironmentId: string;
	targetEnvironmentId: string;
	pipelineId: string | null;
	stage: Stage;
	items: PlanItem[];
	summary: { counts: Record<PlanStatus, number>; highestRisk: Risk | null; writes: number };
	blockers: Blocker[];
	planHash: string;
}

/** Where a source workflow goes in the target, and what it becomes there. */
interface Placed {
	source: N8nWorkflow;
	canonicalId: string | null;
	target: N8nWorkflow | undefined;
	link: PlanItem['link'];
	dependency: boolean;
}

const PLACEHOLDER = (sourceId: string) => `created-by-promotion:${sourceId}`;

/**
 * Plans a promotion without changing anything: what each selected source workflow becomes in the
 * target (created, updated, unchanged), with its diff and risk, every credential and workflow
 * reference it must carry resolved for the target, and what blocks it.
 */
export async function planPromotion(deps: EnvironmentDeps, request: PlanRequest): Promise<Plan> {
	const { source, target, stage, pipelineId } = await environmentsOf(deps.db, request);
	const [sourceLive, targetLive] = await Promise.all(
		[source, target].map((environment) => deps.n8nClient(n8nTarget(deps, environment)).listWorkflows()),
	);
	const [sourceListed, targetListed] = await Promise.all(
		[source, target].map((environment) =>
			listCredentials(deps.n8nClient(n8nTarget(deps, environment)), environment.name),
		),
	);
	const sourceCredentials = sourceListed ?? credentialsUsed(sourceLive);
	const targetCredentials = targetListed ?? credentialsUsed(targetLive);
	const sourceCanonical = await canonicalIds(deps.db, source.id);
	const targetCanonical = await canonicalIds(deps.db, target.id);
	const linkedCanonicals = await linkedIds(deps.db);
	const targetByCanonical = new Map<string, N8nWorkflow>();
	for (const workflow of targetLive) {
		const canonicalId = targetCanonical.get(workflow.id);
		if (canonicalId) targetByCanonical.set(canonicalId, workflow);
	}
	const planBlockers: Blocker[] = [];
	const sourceById = new Map(sourceLive.map((workflow) => [workflow.id, workflow]));

	/** The target workflow a source workflow already is (linked), or the one its name proposes. */
	const place = (workflow: N8nWorkflow, dependency: boolean): Placed & { blockers: Blocker[] } => {
		const canonicalId = sourceCanonical.get(workflow.id) ?? null;
		const linked = canonicalId ? targetByCanonical.get(canonicalId) : undefined;
		if (linked) return { source: workflow, canonicalId, target: linked, link: 'linked', dependency, blockers: [] };
		const named = targetLive.filter(
			(candidate) => candidate.name === workflow.name && !linkedCanonicals.has(targetCanonical.get(candidate.id) ?? ''),
		);
		if (named.length > 1)
			return {
				source: workflow,
				canonicalId,
				target: undefined,
				link: null,
				dependency,
				blockers: [
					{
						code: 'name_ambiguous',
						workflowId: workflow.id,
						message: `"${target.name}" has ${named.length} workflows named "${workflow.name}" (${named.map((candidate) => candidate.id).join(', ')}) and none is linked to it: rename or remove all but one`,
						candidates: named.map((candidate) => candidate.id),
					},
				],
			};
		return {
			source: workflow,
			canonicalId,
			target: named[0],
			link: named[0] ? 'by_name' : 'new',
			dependency,
			blockers: [],
		};
	};

	const selected = select(request, sourceLive, sourceCanonical);
	const placed = new Map<string, Placed & { blockers: Blocker[] }>();
	for (const workflow of selected) placed.set(workflow.id, place(workflow, false));
	// Sub-workflows and error workflows the selection names: where the target has none, they join the plan.
	for (let added = true; added && stage.includeDependencies;) {
		added = false;
		for (const { source: workflow } of [...placed.values()]) {
			for (const id of referencedWorkflowIds(workflow)) {
				const child = sourceById.get(id);
				if (placed.has(id) || !child) continue;
				const childPlace = place(child, true);
				if (childPlace.target || childPlace.blockers.length) continue;
				placed.set(id, childPlace);
				added = true;
			}
		}
	}

	const bindings = await bindingsBetween(deps.db, source.id, target.id);
	const baseline = target.baseline_approved_at ? await baselineIndex(deps.db, target.id) : undefined;
	const targetIdOf = (sourceId: string): { id: string; how: Substitution['how'] } | undefined => {
		const entry = placed.get(sourceId);
		if (entry?.target) return { id: entry.target.id, how: entry.link === 'linked' ? 'link' : 'name_link' };
		if (entry) return { id: PLACEHOLDER(sourceId), how: 'created_by_promotion' };
		const child = sourceById.get(sourceId);
		const elsewhere = child && place(child, true);
		if (elsewhere?.target) return { id: elsewhere.target.id, how: elsewhere.link === 'linked' ? 'link' : 'name_link' };
		return undefined;
	};

	const items: PlanItem[] = [];
	for (const entry of placed.values()) {
		const { source: workflow, target: current } = entry;
		const blockers = [...entry.blockers];
		const warnings: string[] = [];
		const substitutions: Substitution[] = [];
		for (const found of workflowRefProblems(workflow)) {
			if (found.kind === 'invalid')
				blockers.push({
					code: 'reference_invalid',
					workflowId: workflow.id,
					message: `"${workflow.name}": the node "${found.node}" names no workflow it can run (${JSON.stringify(found.value)})`,
				});
			else
				warnings.push(
					found.kind === 'expression'
						? `the node "${found.node}" chooses its workflow by an expression, left as it is`
						: `the node "${found.node}" runs a workflow from ${String(found.value)}, not from this instance, left as it is`,
				);
		}
		const remapped = mapWorkflowRefs(workflow, (id, where) => {
			const to = targetIdOf(id);
			if (!to) {
				blockers.push({
					code: 'reference_missing',
					workflowId: workflow.id,
					message: `"${workflow.name}", ${placeOf(where)}: the workflow ${sourceById.get(id) ? `"${sourceById.get(id)!.name}"` : id} is not in "${target.name}" and this promotion does not include it`,
					referencedWorkflowId: id,
				});
				return id;
			}
			substitutions.push({ node: where, kind: 'workflow', from: id, to: to.id, how: to.how });
			return to.id;
		});
		const credentialNodes = new Map<string, KnownCredential>();
		for (const ref of credentialRefs(workflow)) {
			const resolution = resolveCredential(ref, {
				bindings,
				source: sourceCredentials,
				target: targetCredentials,
				targetListed: targetListed !== undefined,
				targetName: target.name,
			});
			if (!resolution.resolved) {
				blockers.push({
					code: resolution.blocker,
					workflowId: workflow.id,
					message: `"${workflow.name}", node "${ref.node}": ${resolution.message}`,
					credentialType: ref.type,
					sourceCredentialId: ref.id ?? null,
					...(resolution.candidates && { candidates: resolution.candidates }),
				});
				continue;
			}
			credentialNodes.set(`${ref.node}\u0000${ref.type}`, resolution.to);
			if (resolution.unverified)
				warnings.push(
					`the node "${ref.node}" is bound to credential ${resolution.to.id}, which "${target.name}" cannot list on its n8n version: make sure it exists there`,
				);
			substitutions.push({
				node: ref.node,
				kind: 'credential',
				from: ref.id ?? ref.name,
				to: resolution.to.id,
				how: resolution.by,
			});
		}
		const written = writtenWorkflow(remapped, credentialNodes, current, request.activate);
		const expectedContentHash = contentHash(written);
		const tags = (workflow.tags ?? []).map((tag) => tag.name).sort();
		const base = {
			sourceWorkflowId: workflow.id,
			canonicalId: entry.canonicalId,
			name: workflow.name,
			link: entry.link,
			dependency: entry.dependency,
			substitutions,
			tags,
			warnings,
		};
		if (!current) {
			const risk: Risk = written.active ? 'HIGH' : 'MEDIUM';
			items.push({
				...base,
				status: 'ADDED',
				action: 'create',
				targetWorkflowId: null,
				targetContentHash: null,
				risk,
				reasons: [`${risk}: a new workflow${written.active ? ' that will run' : ' (inactive)'}`],
				blockers,
				expectedContentHash,
			});
			continue;
		}
		const diff = diffWorkflows(current, written);
		const targetContentHash = contentHash(current);
		const changed = targetContentHash !== expectedContentHash;
		// A hand edit in the target conflicts only with a promotion that would overwrite it.
		const hotfix = changed ? await hotfixOf(deps.db, target, baseline, current) : undefined;
		if (hotfix) {
			if (request.overrideHotfixes.includes(current.id))
				warnings.push(
					`"${target.name}" was edited by hand since its baseline; the override lets the promotion overwrite it (kept in the pre-promotion snapshot)`,
				);
			else
				blockers.push({
					code: 'target_hotfix',
					workflowId: workflow.id,
					message: `"${workflow.name}" was edited by hand in "${target.name}" since its baseline (${hotfix.reasons.join('; ') || 'content changed'}): list ${current.id} in overrideHotfixes to overwrite it`,
					targetWorkflowId: current.id,
				});
		}
		items.push({
			...base,
			status: hotfix ? 'TARGET_HOTFIX' : changed ? 'MODIFIED' : 'UNCHANGED',
			action: changed ? 'update' : 'none',
			targetWorkflowId: current.id,
			targetContentHash,
			risk: changed ? diff.risk : null,
			reasons: changed ? diff.reasons : [],
			...(changed && { diff }),
			...(hotfix && { hotfixDiff: hotfix }),
			blockers,
			expectedContentHash: changed ? expectedContentHash : null,
		});
	}
	items.push(...deletedItems(request, stage, sourceCanonical, targetLive, targetCanonical, linkedCanonicals));
	if (stage.requireTargetInSync)
		planBlockers.push(...(await driftElsewhere(deps.db, target, targetLive, items, stage)));
	return summarize({ source, target, stage, pipelineId, items, planBlockers });
}

const placeOf = (where: string) =>
	where === 'settings.errorWorkflow'
		? 'its error workflow'
		: where === 'settings.callerIds'
			? 'its allowed callers'
			: `node "${where}"`;

async function environmentsOf(db: Db, request: PlanRequest) {
	if (request.pipelineId !== undefined) {
		const pipeline = await getPipeline(db, request.pipelineId);
		const stage = pipeline.stages[request.stage!];
		if (!stage)
			throw new DomainError(
				'unprocessable',
				`The pipeline "${pipeline.name}" has ${pipeline.stages.length} stage${pipeline.stages.length === 1 ? '' : 's'} (0 to ${pipeline.stages.length - 1}): there is no stage ${request.stage}`,
			);
		return {
			source: await getEnvironmentRow(db, stage.sourceEnvironmentId),
			target: await getEnvironmentRow(db, stage.targetEnvironmentId),
			stage,
			pipelineId: pipeline.id,
		};
	}
	if (request.sourceEnvironmentId === request.targetEnvironmentId)
		throw new DomainError('invalid_request', 'targetEnvironmentId must differ from sourceEnvironmentId');
	const [source, target] = await Promise.all(
		[request.sourceEnvironmentId!, request.targetEnvironmentId!].map((id) =>
			getEnvironmentRow(db, id).catch(() => {
				throw new DomainError('unprocessable', `No environment has the id ${id}`);
			}),
		),
	);
	return { source, target, stage: defaultStage(source.id, target), pipelineId: null };
}

/** The source workflows the request selects; unknown ids are refused by name. */
function select(request: PlanRequest, live: N8nWorkflow[], canonical: Map<string, string>): N8nWorkflow[] {
	if (request.workflowIds) {
		const byId = new Map(live.map((workflow) => [workflow.id, workflow]));
		const unknown = request.workflowIds.filter((id) => !byId.has(id));
		if (unknown.length)
			throw new DomainError('unprocessable', `The source has no workflow ${unknown.join(', ')}`, {
				workflowIds: unknown,
			});
		return [...new Set(request.workflowIds)].map((id) => byId.get(id)!);
	}
	if (request.canonicalIds) {
		const wanted = new Set(request.canonicalIds);
		return live.filter((workflow) => wanted.has(canonical.get(workflow.id) ?? ''));
	}
	if (request.tag) return live.filter((workflow) => (workflow.tags ?? []).some((tag) => tag.name === request.tag));
	return live;
}

/**
 * What is written to the target: the source's content with references and credentials for the
 * target, without its test data or trigger state, active as the target has it (a created workflow
 * inactive unless asked).
 */
function writtenWorkflow(
	workflow: N8nWorkflow,
	credentials: Map<string, KnownCredential>,
	current: N8nWorkflow | undefined,
	activate: boolean,
): N8nWorkflow {
	const { pinData: _pinData, staticData: _staticData, id: _id, ...content } = workflow;
	return {
		...content,
		id: current?.id ?? '',
		active: current ? current.active : activate,
		nodes: workflow.nodes.map((node) => {
			if (!node.credentials) return node;
			const replaced = Object.fromEntries(
				Object.keys(node.credentials).map((type) => {
					const to = credentials.get(`${node.name}\u0000${type}`);
					return [type, to ? { id: to.id, name: to.name } : node.credentials![type]];
				}),
			);
			return { ...node, credentials: replaced };
		}),
	};
}

/** The hand edit of a target workflow since its baseline, if any. */
async function hotfixOf(
	db: Db,
	target: EnvironmentRow,
	baseline: Awaited<ReturnType<typeof baselineIndex>> | undefined,
	current: N8nWorkflow,
): Promise<WorkflowDiff | undefined> {
	const approved = baseline?.get(current.id);
	const running = publishedView(current);
	if (!approved || approved.contentHash === contentHash(running)) return undefined;
	const approvedContent = (await baselineWorkflows(db, target.id, [current.id])).get(current.id);
	return approvedContent ? diffWorkflows(approvedContent, running) : undefined;
}

/** Target workflows a promotion linked before whose source workflow is gone: shown, removed only when the stage archives. */
function deletedItems(
	request: PlanRequest,
	stage: Stage,
	sourceCanonical: Map<string, string>,
	targetLive: N8nWorkflow[],
	targetCanonical: Map<string, string>,
	linked: Set<string>,
): PlanItem[] {
	if (!request.changedOnly) return [];
	const inSource = new Set(sourceCanonical.values());
	return targetLive
		.filter((workflow) => {
			const canonicalId = targetCanonical.get(workflow.id);
			return canonicalId && linked.has(canonicalId) && !inSource.has(canonicalId);
		})
		.map((workflow) => ({
			status: 'DELETED',
			action: stage.deletions === 'archive' ? 'delete' : 'none',
			sourceWorkflowId: null,
			targetWorkflowId: workflow.id,
			targetContentHash: contentHash(workflow),
			canonicalId: targetCanonical.get(workflow.id)!,
			name: workflow.name,
			risk: 'HIGH',
			reasons: ['HIGH: the source no longer has this workflow'],
			link: 'linked',
			dependency: false,
			substitutions: [],
			tags: [],
			warnings:
				stage.deletions === 'archive'
					? ['it will be unpublished, then deleted; the pre-promotion snapshot keeps it']
					: ['shown only: this stage reports deletions and never applies them'],
			blockers: [],
			expectedContentHash: null,
		}));
}

/** With the target required in sync: its drift outside the plan blocks, unless the stage allows it. */
async function driftElsewhere(
	db: Db,
	target: EnvironmentRow,
	live: N8nWorkflow[],
	items: PlanItem[],
	stage: Stage,
): Promise<Blocker[]> {
	if (!target.baseline_approved_at)
		return [
			{
				code: 'target_no_baseline',
				message: `"${target.name}" has no approved baseline, so hand edits there cannot be told apart: approve its current state first`,
			},
		];
	if (stage.allowDriftElsewhere) return [];
	const touched = new Set(items.map((item) => item.targetWorkflowId).filter(Boolean));
	const { items: drift } = await compareWithBaseline(db, target.id, await baselineIndex(db, target.id), live);
	const elsewhere = drift.filter((item) => item.status !== 'DRAFT_CHANGED' && !touched.has(item.workflowId));
	if (!elsewhere.length) return [];
	return [
		{
			code: 'target_drift',
			message: `"${target.name}" has drifted from its baseline outside this promotion: ${elsewhere.map((item) => `"${item.name}" (${item.status.toLowerCase()})`).join(', ')}. Resolve the drift, or allow drift elsewhere on the stage`,
			workflows: elsewhere.map((item) => ({ workflowId: item.workflowId, name: item.name, status: item.status })),
		},
	];
}

function credentialsUsed(workflows: N8nWorkflow[]): KnownCredential[] {
	const used = new Map<string, KnownCredential>();
	for (const workflow of workflows)
		for (const ref of credentialRefs(workflow))
			if (ref.id && !used.has(ref.id)) used.set(ref.id, { id: ref.id, name: ref.name, type: ref.type });
	return [...used.values()];
}

async function canonicalIds(db: Db, environmentId: string): Promise<Map<string, string>> {
	const rows = await db
		.selectFrom('workflow_inventory')
		.select(['n8n_id', 'canonical_id'])
		.where('environment_id', '=', environmentId)
		.execute();
	return new Map(rows.map((row) => [row.n8n_id, row.canonical_id]));
}

async function linkedIds(db: Db): Promise<Set<string>> {
	const rows = await db.selectFrom('canonical_workflows').select('id').where('status', '=', 'LINKED').execute();
	return new Set(rows.map((row) => row.id));
}

function summarize({
	source,
	target,
	stage,
	pipelineId,
	items,
	planBlockers,
}: {
	source: EnvironmentRow;
	target: EnvironmentRow;
	stage: Stage;
	pipelineId: string | null;
	items: PlanItem[];
	planBlockers: Blocker[];
}): Plan {
	// Dependencies first, so what others run exists before them; then by name.
	items.sort((a, b) => Number(b.dependency) - Number(a.dependency) || a.name.localeCompare(b.name));
	const counts: Record<PlanStatus, number> = { ADDED: 0, MODIFIED: 0, DELETED: 0, UNCHANGED: 0, TARGET_HOTFIX: 0 };
	for (const item of items) counts[item.status] += 1;
	const blockers = [...items.flatMap((item) => item.blockers), ...planBlockers];
	const written = items
		.filter((item) => item.action !== 'none')
		.map((item) => ({
			action: item.action,
			sourceWorkflowId: item.sourceWorkflowId,
			targetWorkflowId: item.targetWorkflowId,
			targetContentHash: item.targetContentHash,
			expectedContentHash: item.expectedContentHash,
			tags: item.tags,
		}));
	return {
		sourceEnvironmentId: source.id,
		targetEnvironmentId: target.id,
		pipelineId,
		stage,
		items,
		summary: {
			counts,
			highestRisk: maxRisk(
				items
					.filter((item) => item.action !== 'none')
					.map((item) => item.risk)
					.filter((risk): risk is Risk => risk !== null),
			),
			writes: written.length,
		},
		blockers,
		planHash: crypto
			.createHash('sha256')
			.update(canonicalJson({ source: source.id, target: target.id, written }))
			.digest('hex'),
	};
}
