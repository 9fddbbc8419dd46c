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
		const result = await index(deps, client, environmentId, progress);
		await recordIndexing(deps.db, environmentId, result, null);
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
): Promise<IndexingResult> {
	const newest = await db
		.selectFrom('executions')
		.select((eb) => eb.fn.max('seq').as('seq'))
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	const known = newest?.seq ?? null;
	const fresh: N8nExecution[] = [];
	pages: for await (const page of client.executions()) {
		for (const execution of page) {
			if (known !== null && seqOf(execution) <= known) break pages;
			fresh.push(execution);
		}
		await progress({ executions: fresh.length });
	}
	// n8n's list leaves out what is running now: the numbers it skipped near the top are read one by one.
	const skipped = await Promise.all(skippedNumbers(fresh, known).map((seq) => readAgain(client, String(seq))));
	fresh.push(...skipped.filter((execution) => typeof execution !== 'string'));
	const open = await db
		.selectFrom('executions')
		.select(['n8n_id', 'workflow_id', 'started_at'])
		.where('environment_id', '=', environmentId)
		.where('status', 'in', OPEN_STATUSES)
		.execute();
	const again = await Promise.all(open.map(({ n8n_id }) => readAgain(client, n8n_id)));
	const reread = again.filter((execution) => typeof execution !== 'string');
	const gone = again.filter((execution) => typeof execution === 'string');

	const executions = [...fresh, ...reread];
	const failures = await failuresOf(
		client,
		executions.filter((execution) => isFailure(statusOf(execution))),
	);
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
	const rows = executions.map((execution) =>
		rowOf(environmentId, execution, names, now, failureOf(failures.get(String(execution.id)), redact)),
	);
	const recorded = await db.transaction().execute(async (trx) => {
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
			[...rows, ...unknown, ...open].map((row) => ({ workflowId: row.workflow_id, hour: hourOf(row.started_at) })),
		);
		// What failed since the index knew the instance: not the history a first indexing reads.
		const failed = known === null ? [] : rows.filter((row) => isFailure(row.status));
		return recordIndexedFailures(trx, events, environmentId, failed.map(failureReportOf));
	});
	events.dispatch(recorded);
	return { added: fresh.length, updated: again.length };
}

/**
 * The numbers n8n's list skipped among its newest: above what was known before (or, the first time,
 * among the newest GAP_WINDOW), at most GAP_READS of them. n8n leaves running executions out of its
 * list; a number may also be an execution deleted, or never saved.
 */
function skippedNumbers(fresh: N8nExecution[], known: number | null): number[] {
	const listed = new Set(fresh.map(seqOf));
	if (!listed.size) return [];
	const top = Math.max(...listed);
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

/** The failures' data, by execution id: one by one when few, else from n8n's list of failures. */
async function failuresOf(client: N8nClient, failed: N8nExecution[]): Promise<Map<string, N8nExecution>> {
	const found = new Map<string, N8nExecution>();
	const wanted = new Set(failed.map((execution) => String(execution.id)));
	if (failed.length > FAILURES_ONE_BY_ONE) {
		const oldest = Math.min(...failed.map(seqOf));
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

async function recordIndexing(db: Db, environmentId: string, result: IndexingResult, error: string | null) {
	const row = { environment_id: environmentId, indexed_at: new Date().toISOString(), ...result, error };
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
