import type { Db } from '../../db/database';
import type { FailureReportsTable } from '../../db/schema';
import { getEnvironmentRow } from '../environments/environments';
import type { EventSink } from '../events/events';

/** A workflow's pushed failures make one event per this long: the first at once, the rest counted at its end. */
export const BURST_MS = 60_000;

export type FailureReport = Omit<FailureReportsTable, 'environment_id' | 'source' | 'announced_at'>;

/**
 * Keeps the failures the execution index found, once each: those the reporting workflow pushed already
 * are not announced again. The rest are announced now, one `execution.failed` per workflow with its
 * count (the index runs each minute, so a burst is one event). Returns what to dispatch after commit.
 */
export async function recordIndexedFailures(
	trx: Db,
	events: EventSink,
	environmentId: string,
	failures: FailureReport[],
): Promise<string[]> {
	const now = new Date().toISOString();
	const fresh = await storeNew(trx, environmentId, failures, 'index', now);
	return announce(trx, events, environmentId, fresh);
}

/**
 * Keeps the failures the reporting workflow pushed, once each (what the index announced already is
 * known). A workflow's first failure in a burst is announced now; the others wait for the burst's end
 * (`flushFailureBursts`) and go out as one event with their count.
 */
export async function recordPushedFailures(
	trx: Db,
	events: EventSink,
	environmentId: string,
	failures: FailureReport[],
): Promise<{ fresh: number; recorded: string[] }> {
	const fresh = await storeNew(trx, environmentId, failures, 'n8n', null);
	return { fresh: fresh.length, recorded: await announceDue(trx, events, environmentId, fresh) };
}

/** Announces the pushed failures whose burst has ended, one event per workflow with its count. */
export async function flushFailureBursts(db: Db, events: EventSink): Promise<void> {
	const recorded = await db.transaction().execute(async (trx) => {
		const waiting = await trx.selectFrom('failure_reports').selectAll().where('announced_at', 'is', null).execute();
		const sent: string[] = [];
		for (const environmentId of new Set(waiting.map((row) => row.environment_id)))
			sent.push(
				...(await announceDue(
					trx,
					events,
					environmentId,
					waiting.filter((row) => row.environment_id === environmentId),
				)),
			);
		return sent;
	});
	events.dispatch(recorded);
}

/**
 * Announces the waiting failures of each workflow that had no event within the burst (marking them
 * announced); the others keep waiting. Returns what to dispatch after the commit.
 */
async function announceDue(
	trx: Db,
	events: EventSink,
	environmentId: string,
	waiting: FailureReport[],
): Promise<string[]> {
	const now = new Date().toISOString();
	const due: FailureReport[] = [];
	for (const workflowId of new Set(waiting.map((failure) => failure.workflow_id))) {
		if (await announcedWithin(trx, environmentId, workflowId, now)) continue;
		due.push(...waiting.filter((failure) => failure.workflow_id === workflowId));
	}
	await markAnnounced(trx, environmentId, due, now);
	return announce(trx, events, environmentId, due);
}

async function storeNew(
	trx: Db,
	environmentId: string,
	failures: FailureReport[],
	source: FailureReportsTable['source'],
	announcedAt: string | null,
): Promise<FailureReport[]> {
	if (!failures.length) return [];
	const stored = await trx
		.insertInto('failure_reports')
		.values(
			failures.map((failure) => ({ ...failure, environment_id: environmentId, source, announced_at: announcedAt })),
		)
		.onConflict((oc) => oc.columns(['environment_id', 'execution_id']).doNothing())
		.returning('execution_id')
		.execute();
	const fresh = new Set(stored.map((row) => row.execution_id));
	return failures.filter((failure) => fresh.has(failure.execution_id));
}

async function announcedWithin(trx: Db, environmentId: string, workflowId: string, now: string): Promise<boolean> {
	const since = new Date(Date.parse(now) - BURST_MS).toISOString();
	const last = await trx
		.selectFrom('failure_reports')
		.select('execution_id')
		.where('environment_id', '=', environmentId)
		.where('workflow_id', '=', workflowId)
		.where('announced_at', '>', since)
		.limit(1)
		.executeTakeFirst();
	return last !== undefined;
}

async function markAnnounced(trx: Db, environmentId: string, failures: FailureReport[], now: string): Promise<void> {
	if (!failures.length) return;
	await trx
		.updateTable('failure_reports')
		.set({ announced_at: now })
		.where('environment_id', '=', environmentId)
		.where(
			'execution_id',
			'in',
			failures.map((failure) => failure.execution_id),
		)
		.execute();
}

/**
 * Records `execution.failed` for the failures, one event per workflow: its count, the latest failure's
 * node and redacted error, and the newest executions' ids.
 */
async function announce(
	trx: Db,
	events: EventSink,
	environmentId: string,
	failures: FailureReport[],
): Promise<string[]> {
	if (!failures.length) return [];
	const environment = await getEnvironmentRow(trx, environmentId);
	const recorded: string[] = [];
	for (const workflowId of new Set(failures.map((failure) => failure.workflow_id))) {
		const runs = failures
			.filter((failure) => failure.workflow_id === workflowId)
			.sort((a, b) => b.received_at.localeCompare(a.received_at) || Number(b.execution_id) - Number(a.execution_id));
		const [latest] = runs;
		recorded.push(
			...(await events.record(trx, 'execution.failed', {
				environment: { id: environment.id, name: environment.name, class: environment.class },
				workflow: { id: workflowId, name: latest.workflow_name },
				count: runs.length,
				latest: {
					id: latest.execution_id,
					failedAt: latest.received_at,
					failedNode: latest.failed_node,
					errorMessage: latest.error_message,
				},
				executionIds: runs.slice(0, 20).map((run) => run.execution_id),
			})),
		);
	}
	return recorded;
}
