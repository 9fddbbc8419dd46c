import crypto from 'node:crypto';
import type { Finding } from '../policies/content-rules';
import { ruleSettings } from '../policies/rule-settings';
import type { Db } from '../../db/database';
import type { EnvironmentRow } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { baselineIndex } from '../drift/drift-check';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError } from '../errors';
import { canonicalIds } from '../workflows/inventory';
import { listCredentials } from '../workflows/inventory-sync';
import type { WorkflowDiff } from '../workflows/diff';
import { canonicalJson } from '../workflows/normalize';
import { maxRisk, type Risk } from '../workflows/risk';
import { bindingsBetween } from './credential-bindings';
import { credentialsUsed } from './credentials';
import { placeSelection } from './identity';
import { defaultStage, getPipeline, type Stage } from './pipelines';
import { type ItemContext, type PlannedWrite, planItem } from './plan-item';
import type { PlanRequest } from './plan-request';
import { deletedItems, driftElsewhere } from './target-checks';

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
	/** What the content rules find in what is written, at the target's class (an error blocks: `policy`). */
	findings: Finding[];
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

/**
 * Plans a promotion without changing anything: what each selected source workflow becomes in the
 * target (created, updated, unchanged), with its diff and risk, every credential and workflow
 * reference it must carry resolved for the target, and what blocks it.
 */
export async function planPromotion(deps: EnvironmentDeps, request: PlanRequest): Promise<Plan> {
	return (await planWithWrites(deps, request)).plan;
}

/** The plan, and for each item that writes, exactly what it writes (by the item's source id). */
export async function planWithWrites(
	deps: EnvironmentDeps,
	request: PlanRequest,
): Promise<{ plan: Plan; writes: Map<string, PlannedWrite> }> {
	const { source, target, stage, pipelineId } = await environmentsOf(deps.db, request);
	const clients = [source, target].map((environment) => deps.n8nClient(n8nTarget(deps, environment)));
	const sourceCanonical = await canonicalIds(deps.db, source.id);
	const targetCanonical = await canonicalIds(deps.db, target.id);
	// A synced workflow that a shift of n8n's pages hid is asked for by id: a target's is updated, not made again.
	const [sourceLive, targetLive] = await Promise.all(
		clients.map((client, i) => client.listWorkflows([sourceCanonical, targetCanonical][i].keys())),
	);
	const [sourceListed, targetListed] = await Promise.all(
		clients.map((client, i) => listCredentials(client, [source, target][i].name)),
	);
	const linked = await linkedIds(deps.db);
	const { placed, sourceById, targetIdOf } = placeSelection(
		{ sourceLive, targetLive, sourceCanonical, targetCanonical, linked, targetName: target.name },
		select(request, sourceLive, sourceCanonical),
		stage.includeDependencies,
	);
	const context: ItemContext = {
		db: deps.db,
		request,
		target,
		sourceById,
		targetIdOf,
		bindings: await bindingsBetween(deps.db, source.id, target.id),
		sourceCredentials: sourceListed ?? credentialsUsed(sourceLive),
		targetCredentials: targetListed ?? credentialsUsed(targetLive),
		targetListed: targetListed !== undefined,
		baseline: target.baseline_approved_at ? await baselineIndex(deps.db, target.id) : undefined,
		rules: await ruleSettings(deps.db),
	};
	const writes = new Map<string, PlannedWrite>();
	for (const entry of placed.values()) {
		const planned = await planItem(entry, context);
		writes.set(entry.source.id, planned);
	}
	const items = [...writes.values()].map((planned) => planned.item);
	items.push(...deletedItems(request, stage, sourceCanonical, targetLive, targetCanonical, linked));
	const planBlockers = stage.requireTargetInSync ? await driftElsewhere(deps.db, target, targetLive, items, stage) : [];
	return { plan: summarize({ source, target, stage, pipelineId, items, planBlockers }), writes };
}

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
