import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { DriftCheckStatus, DriftChecksTable } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';
import { listedOf } from '../../n8n/list-page';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import type { AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { conflict, notFound } from '../errors';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import { diffWorkflows, type WorkflowDiff } from '../workflows/diff';
import type { Risk } from '../workflows/risk';
import { type BaselineEntry, baselineWorkflows, storeContent } from './baselines';
import { recordIncidentEvent } from './drift-events';
import { type IncidentChange, recordIncident } from './incidents';
import { hasUnpublishedDraft, publishedListed, publishedView } from './published';

export type DriftStatus = 'MODIFIED' | 'ADDED' | 'MISSING' | 'DRAFT_CHANGED';

/** A workflow not in sync: DRAFT_CHANGED is a saved, unpublished edit (2.x), which does not run yet. */
export interface DriftItem {
	workflowId: string;
	name: string;
	status: DriftStatus;
	risk: Risk | null;
	reasons: string[];
	/** Whether it runs now (null for a MISSING workflow). */
	active: boolean | null;
	/** The live content the check saw (absent for MISSING), for a keep resolution. */
	liveContentHash?: string;
	liveRawHash?: string;
	/** From the baseline to live; for DRAFT_CHANGED, from the published version to the draft. */
	diff?: WorkflowDiff;
}

export interface DriftCheck {
	id: string;
	environmentId: string;
	/** What ran it: a person or node, a schedule, or a promotion request checking its target. */
	trigger: 'manual' | 'schedule' | 'promotion';
	status: DriftCheckStatus;
	error: string | null;
	counts: Record<'IN_SYNC' | DriftStatus, number>;
	items: DriftItem[];
	startedBy: string | null;
	startedAt: string;
	finishedAt: string;
}

export const driftCheckListSchema = pageQuerySchema;

const toDriftCheck = (row: DriftChecksTable): DriftCheck => ({
	id: row.id,
	environmentId: row.environment_id,
	trigger: row.trigger as DriftCheck['trigger'],
	status: row.status,
	error: row.error,
	counts: JSON.parse(row.counts) as DriftCheck['counts'],
	items: JSON.parse(row.items) as DriftItem[],
	startedBy: row.started_by,
	startedAt: row.started_at,
	finishedAt: row.finished_at,
});

/**
 * Compares what runs in the environment with its baseline, records the check, and opens, updates or
 * resolves the environment's incident in the same transaction, then tells the webhook subscribers. A
 * failure to reach n8n is an ERROR check (recorded and returned); a check already running for the
 * environment is a conflict.
 */
/** Why a check was stopped before it ended (its schedule turned off, a shutdown): not a result. */
export class CheckCancelled extends Error {}

export async function checkDrift(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	trigger: DriftCheck['trigger'],
	/**
	 * Ends the check's calls to n8n: aborted with a CheckCancelled, nothing is recorded and that is
	 * thrown; with any other reason (a deadline), the check is recorded as ERROR with it.
	 */
	signal?: AbortSignal,
): Promise<{ check: DriftCheck; incident: IncidentChange | null }> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	if (!environment.baseline_approved_at)
		throw conflict(
			`"${environment.name}" has no baseline yet: approve its current state to start watching it for drift`,
			{ reason: 'no_baseline' },
		);
	if (!(await claimCheck(deps, environmentId)))
		throw conflict(`A drift check of "${environment.name}" is already running`, { reason: 'running' });
	const startedAt = new Date().toISOString();
	try {
		const baseline = await baselineIndex(deps.db, environmentId);
		let items: DriftItem[] = [];
		let counts = emptyCounts();
		let error: string | null = null;
		try {
			const client = deps.n8nClient({ ...n8nTarget(deps, environment), signal });
			const { live, stored } = await readLive(deps.db, client, baseline.keys());
			({ items, counts } = await compareWithBaseline(deps.db, environmentId, baseline, live, stored));
		} catch (failure) {
			if (signal?.reason instanceof CheckCancelled) throw signal.reason;
			if (!(failure instanceof N8nError)) throw failure;
			error = failure.message;
		}
		const drifted = counts.MODIFIED + counts.ADDED + counts.MISSING > 0;
		const row: DriftChecksTable = {
			id: crypto.randomUUID(),
			environment_id: environmentId,
			trigger,
			status: error ? 'ERROR' : drifted ? 'DRIFT_DETECTED' : 'IN_SYNC',
			error,
			counts: JSON.stringify(counts),
			items: JSON.stringify(items),
			started_by: context.actor.name,
			started_at: startedAt,
			finished_at: new Date().toISOString(),
		};
		const check = toDriftCheck(row);
		const { incident, recorded } = await deps.db.transaction().execute(async (trx) => {
			await trx.insertInto('drift_checks').values(row).execute();
			const changed = await recordIncident(trx, context, environment, check);
			if (!changed || changed.kind === 'unchanged') return { incident: changed, recorded: [] };
			const announced =
				changed.kind === 'resolved'
					? await recordIncidentEvent(trx, deps.events, 'drift.resolved', changed.incident)
					: await recordIncidentEvent(trx, deps.events, 'drift.detected', changed.incident, {
							checkId: check.id,
							counts: check.counts,
						});
			return { incident: changed, recorded: announced };
		});
		deps.events.dispatch(recorded);
		return { check, incident };
	} finally {
		await deps.db
			.deleteFrom('running_drift_checks')
			.where('environment_id', '=', environmentId)
			.where('replica_id', '=', deps.replicaId)
			.execute();
	}
}

/** Records the environment's check under way, on whichever replica: false when one already is. */
async function claimCheck({ db, replicaId }: EnvironmentDeps, environmentId: string): Promise<boolean> {
	const { numInsertedOrUpdatedRows } = await db
		.insertInto('running_drift_checks')
		.values({ environment_id: environmentId, replica_id: replicaId, started_at: new Date().toISOString() })
		.onConflict((oc) => oc.column('environment_id').doNothing())
		.executeTakeFirstOrThrow();
	return numInsertedOrUpdatedRows === 1n;
}

/**
 * Every live workflow, each page's published content stored (and hashed) while n8n serves the next.
 * A baseline workflow that a shift of n8n's pages hid is asked for by id, not reported missing.
 */
async function readLive(
	db: Db,
	client: N8nClient,
	baselined: Iterable<string>,
): Promise<{ live: N8nWorkflow[]; stored: BaselineEntry[] }> {
	const live: N8nWorkflow[] = [];
	const stored: BaselineEntry[] = [];
	let storing = Promise.resolve();
	try {
		for await (const page of client.workflowPages(baselined)) {
			live.push(...page.map(({ item }) => item));
			storing = storing.then(async () => void stored.push(...(await storeContent(db, page.map(publishedListed)))));
			storing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
		}
	} catch (error) {
		// What was being stored ends first: the check ends with nothing of it still running.
		await storing.catch(() => undefined);
		throw error;
	}
	await storing;
	return { live, stored };
}

/** `stored`: the live workflows' published content as storeContent keeps it, when already stored. */
export async function compareWithBaseline(
	db: Db,
	environmentId: string,
	baseline: Map<string, BaselineIndexEntry>,
	live: N8nWorkflow[],
	stored?: BaselineEntry[],
): Promise<{ items: DriftItem[]; counts: DriftCheck['counts'] }> {
	const published = live.map(publishedView);
	stored ??= await storeContent(db, published.map(listedOf));
	const modified = live.filter((workflow, i) => {
		const approved = baseline.get(workflow.id);
		return approved && approved.contentHash !== stored[i].contentHash;
	});
	const approvedRaws = await baselineWorkflows(
		db,
		environmentId,
		modified.map((workflow) => workflow.id),
	);
	const items: DriftItem[] = [];
	const counts = emptyCounts();
	const add = (item: DriftItem) => {
		items.push(item);
		counts[item.status] += 1;
	};
	live.forEach((workflow, i) => {
		const current = published[i];
		const { workflowId, name } = { workflowId: workflow.id, name: workflow.name };
		const seen = { active: workflow.active, liveContentHash: stored[i].contentHash, liveRawHash: stored[i].rawHash };
		const approved = approvedRaws.get(workflowId);
		if (!baseline.has(workflowId)) {
			const risk = workflow.active ? 'HIGH' : 'MEDIUM';
			const why = workflow.active ? 'an unmanaged workflow that runs' : 'an unmanaged workflow (inactive)';
			add({ workflowId, name, status: 'ADDED', risk, reasons: [`${risk}: ${why}`], ...seen });
		} else if (approved) {
			const diff = diffWorkflows(approved, current);
			// No change at all: the baseline's hash was taken by an earlier normalisation.
			if (!diff.changes.length) counts.IN_SYNC += 1;
			else add({ workflowId, name, status: 'MODIFIED', risk: diff.risk, reasons: diff.reasons, diff, ...seen });
		} else counts.IN_SYNC += 1;
		if (hasUnpublishedDraft(workflow)) {
			const diff = diffWorkflows(current, workflow);
			if (diff.changes.length)
				add({
					workflowId,
					name,
					status: 'DRAFT_CHANGED',
					risk: diff.risk,
					reasons: diff.reasons,
					diff,
					active: workflow.active,
				});
		}
	});
	const liveIds = new Set(live.map((workflow) => workflow.id));
	for (const [workflowId, approved] of baseline) {
		if (!liveIds.has(workflowId))
			add({
				workflowId,
				name: approved.name,
				status: 'MISSING',
				risk: 'HIGH',
				reasons: ['HIGH: the workflow is gone'],
				active: null,
			});
	}
	return { items, counts };
}

interface BaselineIndexEntry {
	name: string;
	contentHash: string;
}

export async function baselineIndex(db: Db, environmentId: string): Promise<Map<string, BaselineIndexEntry>> {
	const rows = await db
		.selectFrom('baselines')
		.select(['n8n_id', 'name', 'content_hash'])
		.where('environment_id', '=', environmentId)
		.execute();
	return new Map(rows.map((row) => [row.n8n_id, { name: row.name, contentHash: row.content_hash }]));
}

const emptyCounts = (): DriftCheck['counts'] => ({ IN_SYNC: 0, MODIFIED: 0, ADDED: 0, MISSING: 0, DRAFT_CHANGED: 0 });

export async function listDriftChecks(
	db: Db,
	environmentId: string,
	query: z.infer<typeof driftCheckListSchema>,
): Promise<Page<DriftCheck>> {
	await getEnvironmentRow(db, environmentId);
	return offsetPage(
		query,
		(limit, offset) =>
			db
				.selectFrom('drift_checks')
				.selectAll()
				.where('environment_id', '=', environmentId)
				.orderBy('started_at', 'desc')
				.orderBy('id')
				.limit(limit)
				.offset(offset)
				.execute(),
		toDriftCheck,
	);
}

export async function getDriftCheck(db: Db, environmentId: string, id: string): Promise<DriftCheck> {
	const row = await db
		.selectFrom('drift_checks')
		.selectAll()
		.where('id', '=', id)
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	if (!row) throw notFound('Drift check');
	return toDriftCheck(row);
}
