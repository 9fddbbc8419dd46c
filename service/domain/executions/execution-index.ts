import { performance } from 'node:perf_hooks';
import type { Db } from '../../db/database';
import { chunks } from '../../db/batches';
import type { ExecutionStatus, ExecutionsTable } from '../../db/schema';
import type { N8nClient, N8nExecution } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';
import type { AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { messageOf } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { type FailureReport, recordIndexedFailures } from './failure-reports';
import { currentRedactor, type Redactor, redactMessage } from './redaction';
import { errorGroup, hourOf, rewriteRollups } from './rollups';

export interface IndexingResult {
	/** Executions new to the index. */
	added: number;
	/** Executions known as running or waiting, read again. */
	updated: number;
}

type Progress = (progress: { executions: number }) => Promise<void>;

/** States n8n moves on from: read again at each indexing until they end. */
export const OPEN_STATUSES: readonly ExecutionStatus[] = ['new', 'running', 'waiting'];
const FAILED_STATUSES: readonly ExecutionStatus[] = ['error', 'crashed'];
const STATUSES: readonly ExecutionStatus[] = [...OPEN_STATUSES, ...FAILED_STATUSES, 'success', 'canceled', 'unknown'];
/** Up to this many new failures are read one by one; more, through n8n's list of failures with their data. */
const FAILURES_ONE_BY_ONE = 20;
const GAP_WINDOW = 1000;
const GAP_READS = 100;
/** How often a long indexing says how far it is. */
const PROGRESS_EVERY_MS = 250;

/**
 * Brings the environment's execution index up to date: n8n's list newest first down to the newest
 * execution already known, then the known ones still running or waiting read again. A failure keeps
 * its failing node and its error message, redacted; never the execution's data. The last indexing's
 * time, counts or error are kept per environment.
 */
export async function indexExecutions(
	deps: EnvironmentDeps,
	environmentId: string,
	progress: Progress = async () => undefined,
): Promise<IndexingResult> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	try {
		const { result, completeSeq } = await index(deps, client, environmentId, progress);
		await recordIndexing(deps.db, environmentId, result, null, completeSeq);
		return result;
	} catch (error) {
		await recordIndexing(deps.db, environmentId, { added: 0, updated: 0 }, messageOf(error));
		throw error;
	}
}

/** Indexes an environment's executions as a job (one at a time per environment). */
export async function startExecutionIndexing(
	deps: EnvironmentDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
): Promise<Job> {
	await getEnvironmentRow(deps.db, environmentId);
	return deps.jobs.start(
		{
			kind: 'executions.index',
			environmentId,
			createdBy: context.actor.id,
			onlyOne: 'The executions of this environment are being indexed already',
		},
		async (report) => ({ ...(await indexExecutions(deps, environmentId, report)) }),
	);
}

async function index(
	{ db, events }: Pick<EnvironmentDeps, 'db' | 'events'>,
	client: N8nClient,
	environmentId: string,
	progress: Progress,
): Promise<{ result: IndexingResult; completeSeq: number | null }> {
	const known = await completeSeq(db, environmentId);
	// Before this indexing writes any: the known ones still running or waiting, read again below.
	const open = await db
		.selectFrom('executions')
		.select(['n8n_id', 'workflow_id', 'started_at'])
		.where('environment_id', '=', environmentId)
		.where('status', 'in', OPEN_STATUSES)
		.execute();
	const redact = await currentRedactor(db);
	const names = new Map(
		(
			await db
				.selectFrom('workflow_inventory')
				.select(['n8n_id', 'name'])
				.where('environment_id', '=', environmentId)
				.execute()
		).map((row) => [row.n8n_id, row.name]),
	);
	const now = new Date().toISOString();
	const rowOfExecution = (execution: N8nExecution, failure: Failure = NO_FAILURE) =>
		rowOf(environmentId, execution, names, now, failure);

	// A first indexing needs every failure's data: n8n's list of failures is read alongside the main one.
	const failureList = known === null ? listFailures(client) : undefined;
	failureList?.catch(() => undefined);
	// The hours whose rollups change: rewritten once, at the end.
	const touched: ExecutionsTable[] = [];
	const fresh = await readNewest(client, known, progress, async (settled) => {
		const rows = settled.map((one) => rowOfExecution(one));
		touched.push(...rows);
		if (rows.length) await db.transaction().execute((trx) => upsertExecutions(trx, rows));
	});
	// n8n's list leaves out what is running now: the numbers it skipped near the top are read one by one.
	const skipped = await Promise.all(skippedNumbers(fresh, known).map((seq) => readAgain(client, String(seq))));
	const again = await Promise.all(open.map(({ n8n_id }) => readAgain(client, n8n_id)));
	const reread = again.filter((execution) => typeof execution !== 'string');
	const gone = again.filter((execution) => typeof execution === 'string');

	const found = skipped.filter((execution) => typeof execution !== 'string');
	const rest = [...fresh.filter((execution) => isFailure(statusOf(execution))), ...found, ...reread];
	const failures = await failuresOf(
		client,
		rest.filter((execution) => isFailure(statusOf(execution))),
		await failureList,
	);
	const rows = rest.map((execution) =>
		rowOfExecution(execution, failureOf(failures.get(String(execution.id)), redact)),
	);
	const top = [...fresh, ...found].reduce((newest, execution) => Math.max(newest, seqOf(execution)), known ?? 0);
	const recorded = await db.transaction().execute(async (trx) => {
		await upsertExecutions(trx, rows);
		// What became of them cannot be known any more.
		const unknown = gone.length
			? await trx
					.updateTable('executions')
					.set({ status: 'unknown', indexed_at: now })
					.where('environment_id', '=', environmentId)
					.where('n8n_id', 'in', gone)
					.returning(['workflow_id', 'started_at'])
					.execute()
			: [];
		await rewriteRollups(
			trx,
			environmentId,
			// The hours the open ones counted in before too: one not started yet counted when first seen.
			[...touched, ...rows, ...unknown, ...open].map((row) => ({
				workflowId: row.workflow_id,
				hour: hourOf(row.started_at),
			})),
		);
		// What failed since the index knew the instance: not the history a first indexing reads.
		const failed = known === null ? [] : rows.filter((row) => isFailure(row.status));
		return recordIndexedFailures(trx, events, environmentId, failed.map(failureReportOf));
	});
	events.dispatch(recorded);
	return { result: { added: fresh.length + found.length, updated: again.length }, completeSeq: top || null };
}

/**
 * n8n's list, newest first, down to `known`. Each page's executions but the failures (their data is
 * read after) go to `writeSettled` while the next page is on its way; `known` moves up only once the
 * indexing is complete, so one cut short is read again from the top.
 */
async function readNewest(
	client: N8nClient,
	known: number | null,
	progress: Progress,
	writeSettled: (executions: N8nExecution[]) => Promise<void>,
): Promise<N8nExecution[]> {
	const fresh: N8nExecution[] = [];
	let writing: Promise<void> = Promise.resolve();
	let reported = 0;
	try {
		for await (const page of client.executions()) {
			// Newest first: once one is known, so are the rest.
			const newer = known === null ? page : page.filter((execution) => seqOf(execution) > known);
			fresh.push(...newer);
			const settled = newer.filter((execution) => !isFailure(statusOf(execution)));
			writing = writing.then(() => writeSettled(settled));
			// Awaited below: a write that fails meanwhile is not left unhandled.
			writing.catch(() => undefined);
			if (performance.now() - reported > PROGRESS_EVERY_MS) {
				reported = performance.now();
				await progress({ executions: fresh.length });
			}
			if (newer.length < page.length) break;
		}
	} catch (error) {
		// What was being written ends first: the indexing ends with nothing of it still running.
		await writing.catch(() => undefined);
		throw error;
	}
	await writing;
	return fresh;
}

/** The newest execution number a complete indexing read everything down to; null before the first. */
async function completeSeq(db: Db, environmentId: string): Promise<number | null> {
	const row = await db
		.selectFrom('execution_indexing')
		.select('complete_seq')
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	return row?.complete_seq ?? null;
}

async function upsertExecutions(trx: Db, rows: ExecutionsTable[]): Promise<void> {
	for (const batch of chunks(rows, 500))
		await trx
			.insertInto('executions')
			.values(batch)
			.onConflict((oc) =>
				oc.columns(['environment_id', 'n8n_id']).doUpdateSet((eb) => ({
					status: eb.ref('excluded.status'),
					started_at: eb.ref('excluded.started_at'),
					stopped_at: eb.ref('excluded.stopped_at'),
					duration_ms: eb.ref('excluded.duration_ms'),
					retry_success_id: eb.ref('excluded.retry_success_id'),
					failed_node: eb.ref('excluded.failed_node'),
					error_message: eb.ref('excluded.error_message'),
					error_group: eb.ref('excluded.error_group'),
					indexed_at: eb.ref('excluded.indexed_at'),
				})),
			)
			.execute();
}

/**
 * The numbers n8n's list skipped among its newest: above what was known before (or, the first time,
 * among the newest GAP_WINDOW), at most GAP_READS of them. n8n leaves running executions out of its
 * list; a number may also be an execution deleted, or never saved.
 */
function skippedNumbers(fresh: N8nExecution[], known: number | null): number[] {
	const listed = new Set(fresh.map(seqOf));
	if (!listed.size) return [];
	const top = [...listed].reduce((newest, seq) => Math.max(newest, seq));
	const floor = Math.max(known ?? 0, top - GAP_WINDOW);
	const skipped: number[] = [];
	for (let seq = top - 1; seq > floor && skipped.length < GAP_READS; seq--) if (!listed.has(seq)) skipped.push(seq);
	return skipped;
}

/** A running execution as n8n has it now, or its id when n8n no longer has it (pruned, deleted). */
async function readAgain(client: N8nClient, id: string): Promise<N8nExecution | string> {
	try {
		return await client.getExecution(id, false);
	} catch (error) {
		if (error instanceof N8nError && error.status === 404) return id;
		throw error;
	}
}

/** Every failure n8n lists, with its data, by execution id. */
async function listFailures(client: N8nClient): Promise<Map<string, N8nExecution>> {
	const listed = new Map<string, N8nExecution>();
	for await (const page of client.executions({ status: 'error', includeData: true }))
		for (const execution of page) listed.set(String(execution.id), execution);
	return listed;
}

/**
 * The failures' data, by execution id: from `listed` (n8n's list of failures, read already) where it
 * has them, else one by one when few, or from n8n's list of failures down to the oldest.
 */
async function failuresOf(
	client: N8nClient,
	failed: N8nExecution[],
	listed = new Map<string, N8nExecution>(),
): Promise<Map<string, N8nExecution>> {
	const found = new Map<string, N8nExecution>();
	const wanted = new Set(failed.map((execution) => String(execution.id)));
	for (const id of wanted) if (listed.has(id)) found.set(id, listed.get(id)!);
	if (failed.length - found.size > FAILURES_ONE_BY_ONE) {
		const oldest = failed.reduce((lowest, execution) => Math.min(lowest, seqOf(execution)), Infinity);
		pages: for await (const page of client.executions({ status: 'error', includeData: true })) {
			for (const execution of page) {
				if (seqOf(execution) < oldest) break pages;
				if (wanted.has(String(execution.id))) found.set(String(execution.id), execution);
			}
		}
	}
	const rest = failed.filter((execution) => !found.has(String(execution.id)));
	for (const execution of await Promise.all(rest.map((one) => client.getExecution(String(one.id), true))))
		found.set(String(execution.id), execution);
	return found;
}

const seqOf = (execution: N8nExecution) => Number(execution.id);

const failureReportOf = (row: ExecutionsTable): FailureReport => ({
	execution_id: row.n8n_id,
	workflow_id: row.workflow_id,
	workflow_name: row.workflow_name,
	failed_node: row.failed_node,
	error_message: row.error_message,
	received_at: row.stopped_at ?? row.started_at,
});

function statusOf(execution: N8nExecution): ExecutionStatus {
	const status = execution.status as ExecutionStatus | undefined;
	if (status && STATUSES.includes(status)) return status;
	if (execution.finished) return 'success';
	return execution.stoppedAt ? 'error' : 'running';
}

const isFailure = (status: ExecutionStatus) => FAILED_STATUSES.includes(status);

interface Failure {
	node: string | null;
	message: string | null;
}

const NO_FAILURE: Failure = { node: null, message: null };

/** Where and why an execution failed, from its data; the message redacted, then cut to a sane length. */
function failureOf(execution: N8nExecution | undefined, redact: Redactor): Failure {
	const resultData = (execution?.data as { resultData?: ResultData } | undefined)?.resultData;
	const error = resultData?.error;
	const text = [error?.message, error?.description].filter((part) => typeof part === 'string' && part).join(': ');
	return {
		node: error?.node?.name ?? resultData?.lastNodeExecuted ?? null,
		message: text ? redactMessage(redact, text) : null,
	};
}

interface ResultData {
	error?: { message?: string; description?: string | null; node?: { name?: string } };
	lastNodeExecuted?: string;
}

function rowOf(
	environmentId: string,
	execution: N8nExecution,
	names: Map<string, string>,
	now: string,
	failure: Failure,
): ExecutionsTable {
	const startedAt = execution.startedAt ?? execution.createdAt ?? now;
	const stoppedAt = execution.stoppedAt ?? null;
	const workflowId = String(execution.workflowId ?? '');
	const optional = (value: string | number | null | undefined) => (value == null ? null : String(value));
	return {
		environment_id: environmentId,
		n8n_id: String(execution.id),
		seq: seqOf(execution),
		workflow_id: workflowId,
		workflow_name: names.get(workflowId) ?? null,
		status: statusOf(execution),
		mode: execution.mode ?? 'unknown',
		started_at: new Date(startedAt).toISOString(),
		stopped_at: stoppedAt && new Date(stoppedAt).toISOString(),
		duration_ms: stoppedAt ? Math.max(0, Date.parse(stoppedAt) - Date.parse(startedAt)) : null,
		retry_of: optional(execution.retryOf),
		retry_success_id: optional(execution.retrySuccessId),
		failed_node: failure.node,
		error_message: failure.message,
		error_group: failure.message && errorGroup(failure.message),
		indexed_at: now,
	};
}

/**
 * Keeps the indexing's time, counts or error; after a complete one, the number the next stops at (once
 * everything below it is written: one cut short leaves it where it was).
 */
async function recordIndexing(
	db: Db,
	environmentId: string,
	result: IndexingResult,
	error: string | null,
	completeSeq?: number | null,
) {
	const row = {
		environment_id: environmentId,
		indexed_at: new Date().toISOString(),
		...result,
		error,
		...(completeSeq !== undefined && { complete_seq: completeSeq }),
	};
	await db
		.insertInto('execution_indexing')
		.values(row)
		.onConflict((oc) => oc.column('environment_id').doUpdateSet(row))
		.execute();
}

export interface IndexingState {
	environmentId: string;
	environmentName: string;
	indexedAt: string | null;
	error: string | null;
}

/** Each environment's last indexing: when, and the error it ended with. */
export async function indexingStates(db: Db): Promise<IndexingState[]> {
	const rows = await db
		.selectFrom('environments')
		.leftJoin('execution_indexing', 'execution_indexing.environment_id', 'environments.id')
		.select(['environments.id', 'environments.name', 'execution_indexing.indexed_at', 'execution_indexing.error'])
		.orderBy('environments.name')
		.execute();
	return rows.map((row) => ({
		environmentId: row.id,
		environmentName: row.name,
		indexedAt: row.indexed_at,
		error: row.error,
	}));
}
