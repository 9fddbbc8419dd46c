import type { Db } from '../../db/database';
import type { EnvironmentRow } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import type { baselineIndex } from '../drift/drift-check';
import { diffWorkflows } from '../workflows/diff';
import { contentHash } from '../workflows/normalize';
import type { Risk } from '../workflows/risk';
import { mapWorkflowRefs, workflowRefProblems } from '../workflows/workflow-refs';
import { credentialRefs, type KnownCredential, resolveCredential } from './credentials';
import type { Placed } from './identity';
import type { PlanItem, Substitution } from './plan';
import type { PlanRequest } from './plan-request';
import { checkWorkflow, type RuleSettings } from '../policies/content-rules';
import { hotfixOf } from './target-checks';

/** What an item is planned against: the target, how ids and credentials map there. */
export interface ItemContext {
	db: Db;
	request: PlanRequest;
	target: EnvironmentRow;
	sourceById: Map<string, N8nWorkflow>;
	targetIdOf: (sourceId: string) => { id: string; how: Substitution['how'] } | undefined;
	bindings: Map<string, string>;
	sourceCredentials: KnownCredential[];
	targetCredentials: KnownCredential[];
	targetListed: boolean;
	baseline: Awaited<ReturnType<typeof baselineIndex>> | undefined;
	rules: RuleSettings;
}

/**
 * One workflow of the plan: its references and credentials carried to the target, what that writes
 * compared with what the target has, and what stands in the way.
 */
export async function planItem(entry: Placed, context: ItemContext): Promise<PlannedWrite> {
	const { request, target, sourceById, targetIdOf, bindings, sourceCredentials, targetCredentials } = context;
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
			targetListed: context.targetListed,
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
		findings: checkWorkflow(written, target.class, context.rules),
	};
	const item = await compared(base, blockers, written, current, context);
	if (item.action !== 'none')
		for (const finding of item.findings.filter((found) => found.severity === 'error'))
			blockers.push({
				code: 'policy',
				workflowId: workflow.id,
				rule: finding.rule,
				...(finding.node && { node: finding.node }),
				message: `"${workflow.name}"${finding.node ? `, node "${finding.node}"` : ''}: ${finding.message} (an error under the ${target.class} content rules)`,
			});
	return { item, source: workflow, written };
}

/** A plan item with what it writes: the workflow as it goes to the target, and the source it came from. */
export interface PlannedWrite {
	item: PlanItem;
	source: N8nWorkflow;
	written: N8nWorkflow;
}

/** The item's status, diff and risk: what is written against what the target has now. */
async function compared(
	base: Pick<
		PlanItem,
		| 'sourceWorkflowId'
		| 'canonicalId'
		| 'name'
		| 'link'
		| 'dependency'
		| 'substitutions'
		| 'tags'
		| 'warnings'
		| 'findings'
	>,
	blockers: PlanItem['blockers'],
	written: N8nWorkflow,
	current: N8nWorkflow | undefined,
	{ request, target, ...context }: ItemContext,
): Promise<PlanItem> {
	const expectedContentHash = contentHash(written);
	if (!current) {
		const risk: Risk = written.active ? 'HIGH' : 'MEDIUM';
		return {
			...base,
			status: 'ADDED',
			action: 'create',
			targetWorkflowId: null,
			targetContentHash: null,
			risk,
			reasons: [`${risk}: a new workflow${written.active ? ' that will run' : ' (inactive)'}`],
			blockers,
			expectedContentHash,
		};
	}
	const diff = diffWorkflows(current, written);
	const targetContentHash = contentHash(current);
	const changed = targetContentHash !== expectedContentHash;
	// A hand edit in the target conflicts only with a promotion that would overwrite it.
	const hotfix = changed ? await hotfixOf(context.db, target, context.baseline, current) : undefined;
	if (hotfix) {
		if (request.overrideHotfixes.includes(current.id))
			base.warnings.push(
				`in "${target.name}", ${hotfix.why}; the override lets the promotion overwrite it (kept in the pre-promotion snapshot)`,
			);
		else
			blockers.push({
				code: 'target_hotfix',
				workflowId: base.sourceWorkflowId!,
				message: `"${base.name}" in "${target.name}": ${hotfix.why}. List ${current.id} in overrideHotfixes to overwrite it`,
				targetWorkflowId: current.id,
			});
	}
	return {
		...base,
		status: hotfix ? 'TARGET_HOTFIX' : changed ? 'MODIFIED' : 'UNCHANGED',
		action: changed ? 'update' : 'none',
		targetWorkflowId: current.id,
		targetContentHash,
		risk: changed ? diff.risk : null,
		reasons: changed ? diff.reasons : [],
		...(changed && { diff }),
		...(hotfix?.diff && { hotfixDiff: hotfix.diff }),
		blockers,
		expectedContentHash: changed ? expectedContentHash : null,
	};
}

const placeOf = (where: string) =>
	where === 'settings.errorWorkflow'
		? 'its error workflow'
		: where === 'settings.callerIds'
			? 'its allowed callers'
			: `node "${where}"`;

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
