import type { Db } from '../../db/database';
import type { CanonicalStatus, EnvironmentClass, IncidentStatus, Severity } from '../../db/schema';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import type { DriftItem } from '../drift/drift-check';
import { DomainError, notFound } from '../errors';
import type { PlanItem } from '../promotions/plan';
import { listPipelines } from '../promotions/pipelines';
import { type Complexity, complexityOf } from './complexity';
import { diffWorkflows, type WorkflowDiff } from './diff';
import { matrixColumns } from './matrix';

/** One environment's version of a canonical workflow. */
export interface WorkflowVersion {
	environment: { id: string; name: string; class: EnvironmentClass };
	present: boolean;
	workflowId?: string;
	name?: string;
	contentHash?: string;
	active?: boolean;
	/** When n8n last saved it, as the last sync saw. */
	updatedAt?: string | null;
	complexity?: Complexity;
	/** The last completed promotion that wrote it there. */
	lastPromotion: { id: string; sourceEnvironmentId: string; at: string } | null;
	/** The environment's open drift incident, when it names this workflow. */
	openDrift: { incidentId: string; status: IncidentStatus; severity: Severity; driftStatus: string } | null;
}

export interface WorkflowEverywhere {
	canonicalId: string;
	name: string;
	status: CanonicalStatus;
	versions: WorkflowVersion[];
	snapshots: Array<{ id: string; environmentId: string; label: string; createdAt: string; contentHash: string }>;
}

type Exports = Awaited<ReturnType<typeof versionsOf>>;

/**
 * A canonical workflow in every environment, in the order of the first pipeline; `exports`, when the
 * caller has read them already (versionsOf), are not read again.
 */
export async function workflowEverywhere(db: Db, canonicalId: string, exports?: Exports): Promise<WorkflowEverywhere> {
	const canonical = await db
		.selectFrom('canonical_workflows')
		.selectAll()
		.where('id', '=', canonicalId)
		.executeTakeFirst();
	if (!canonical) throw notFound('Workflow');
	const [pipeline] = await listPipelines(db);
	const columns = matrixColumns(
		await db.selectFrom('environments').select(['id', 'name', 'class']).execute(),
		pipeline,
	);
	const versionsNow = exports ?? (await versionsOf(db, canonicalId));
	const incidents = await db
		.selectFrom('incidents')
		.select(['id', 'environment_id', 'status', 'severity', 'items'])
		.where('status', '!=', 'RESOLVED')
		.execute();
	const versions = await Promise.all(
		columns.map(async ({ previousId: _previousId, ...environment }): Promise<WorkflowVersion> => {
			const version = versionsNow.get(environment.id);
			const lastPromotion = await lastPromotionOf(db, environment.id, canonicalId, version?.workflow.id);
			if (!version) return { environment, present: false, lastPromotion, openDrift: null };
			const incident = incidents.find((row) => row.environment_id === environment.id);
			const drifted =
				incident && (JSON.parse(incident.items) as DriftItem[]).find((item) => item.workflowId === version.workflow.id);
			return {
				environment,
				present: true,
				workflowId: version.workflow.id,
				name: version.workflow.name,
				contentHash: version.contentHash,
				active: version.active,
				updatedAt: version.workflow.updatedAt ?? null,
				complexity: complexityOf(version.workflow),
				lastPromotion,
				openDrift:
					incident && drifted
						? {
								incidentId: incident.id,
								status: incident.status,
								severity: incident.severity,
								driftStatus: drifted.status,
							}
						: null,
			};
		}),
	);
	const snapshots = await db
		.selectFrom('snapshot_items')
		.innerJoin('snapshots', 'snapshots.id', 'snapshot_items.snapshot_id')
		.select([
			'snapshots.id',
			'snapshots.environment_id',
			'snapshots.label',
			'snapshots.created_at',
			'snapshot_items.content_hash',
		])
		.where('snapshot_items.canonical_id', '=', canonicalId)
		.orderBy('snapshots.created_at', 'desc')
		.limit(50)
		.execute();
	return {
		canonicalId,
		name: versions.find((version) => version.present)?.name ?? canonical.name,
		status: canonical.status,
		versions,
		snapshots: snapshots.map((row) => ({
			id: row.id,
			environmentId: row.environment_id,
			label: row.label,
			createdAt: row.created_at,
			contentHash: row.content_hash,
		})),
	};
}

/** Each environment's export of the canonical workflow, as last synced. */
export async function versionsOf(
	db: Db,
	canonicalId: string,
): Promise<Map<string, { workflow: N8nWorkflow; contentHash: string; active: boolean }>> {
	const rows = await db
		.selectFrom('workflow_inventory')
		.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'workflow_inventory.raw_hash')
		.select([
			'workflow_inventory.environment_id',
			'workflow_inventory.content_hash',
			'workflow_inventory.active',
			'workflow_blobs.raw',
		])
		.where('workflow_inventory.canonical_id', '=', canonicalId)
		.execute();
	return new Map(
		rows.map((row) => [
			row.environment_id,
			{ workflow: JSON.parse(row.raw) as N8nWorkflow, contentHash: row.content_hash, active: row.active === 1 },
		]),
	);
}

async function lastPromotionOf(
	db: Db,
	environmentId: string,
	canonicalId: string,
	workflowId: string | undefined,
): Promise<WorkflowVersion['lastPromotion']> {
	const ids = [canonicalId, workflowId].filter((id): id is string => Boolean(id));
	// The plan is JSON: a quoted id narrows the candidates, its items say for sure.
	const candidates = await db
		.selectFrom('promotions')
		.select(['id', 'source_environment_id', 'plan', 'updated_at'])
		.where('target_environment_id', '=', environmentId)
		.where('status', '=', 'COMPLETED')
		.where((eb) => eb.or(ids.map((id) => eb('plan', 'like', `%"${id}"%`))))
		.orderBy('updated_at', 'desc')
		.execute();
	const promotion = candidates.find((row) =>
		(JSON.parse(row.plan) as { items: PlanItem[] }).items.some(
			(item) => item.canonicalId === canonicalId || (workflowId && item.targetWorkflowId === workflowId),
		),
	);
	return promotion
		? { id: promotion.id, sourceEnvironmentId: promotion.source_environment_id, at: promotion.updated_at }
		: null;
}

export interface VersionsDiff {
	from: { environmentId: string; workflowId: string };
	to: { environmentId: string; workflowId: string };
	diff: WorkflowDiff;
}

/** What differs from one environment's version of the workflow to another's. */
export async function diffVersions(db: Db, canonicalId: string, from: string, to: string): Promise<VersionsDiff> {
	if (!(await db.selectFrom('canonical_workflows').select('id').where('id', '=', canonicalId).executeTakeFirst()))
		throw notFound('Workflow');
	const versions = await versionsOf(db, canonicalId);
	const [before, after] = [versions.get(from), versions.get(to)];
	for (const [field, environmentId, version] of [
		['from', from, before],
		['to', to, after],
	] as const)
		if (!version)
			throw new DomainError('unprocessable', `${field}: environment ${environmentId} has no version of this workflow`);
	return {
		from: { environmentId: from, workflowId: before!.workflow.id },
		to: { environmentId: to, workflowId: after!.workflow.id },
		diff: diffWorkflows(before!.workflow, after!.workflow),
	};
}
