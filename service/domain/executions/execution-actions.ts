import { z } from 'zod';
import { N8nError } from '../../n8n/errors';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { conflict, DomainError, messageOf } from '../errors';
import { indexExecutions, OPEN_STATUSES } from './execution-index';
import { type Execution, getIndexedExecution } from './executions';
import { currentRedactor } from './redaction';

/** How one node ran in an execution: read from n8n when asked, never stored. */
export interface NodeRun {
	node: string;
	runs: number;
	status: 'success' | 'error';
	/** Items the node put out, over its runs. */
	items: number;
	startedAt: string | null;
	executionMs: number;
	/** Redacted. */
	error: string | null;
}

export interface ExecutionDetail extends Execution {
	/** Node by node as n8n has it now; null, with `liveError`, when n8n no longer has it or cannot be reached. */
	nodes: NodeRun[] | null;
	liveError: string | null;
}

interface TaskData {
	startTime?: number;
	executionTime?: number;
	executionStatus?: string;
	data?: { main?: Array<unknown[] | null> };
	error?: { message?: string; description?: string | null };
}

/** An indexed execution with its run, node by node, read live from n8n (redacted, never stored). */
export async function executionDetail(
	deps: EnvironmentDeps,
	environmentId: string,
	id: string,
): Promise<ExecutionDetail> {
	const execution = await getIndexedExecution(deps.db, environmentId, id);
	const client = deps.n8nClient(n8nTarget(deps, await getEnvironmentRow(deps.db, environmentId)));
	try {
		const live = await client.getExecution(id, true);
		const runData = (live.data as { resultData?: { runData?: Record<string, TaskData[]> } } | undefined)?.resultData
			?.runData;
		const redact = await currentRedactor(deps.db);
		const nodes = Object.entries(runData ?? {}).map(([node, runs]): NodeRun => {
			const failed = runs.find((run) => run.error || run.executionStatus === 'error');
			const message = [failed?.error?.message, failed?.error?.description].filter(Boolean).join(': ');
			return {
				node,
				runs: runs.length,
				status: failed ? 'error' : 'success',
				items: runs.reduce(
					(sum, run) => sum + (run.data?.main ?? []).reduce((outputs, output) => outputs + (output?.length ?? 0), 0),
					0,
				),
				startedAt: runs[0]?.startTime ? new Date(runs[0].startTime).toISOString() : null,
				executionMs: runs.reduce((sum, run) => sum + (run.executionTime ?? 0), 0),
				error: failed ? redact(message || 'failed') : null,
			};
		});
		nodes.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
		return { ...execution, nodes, liveError: null };
	} catch (error) {
		const liveError =
			error instanceof N8nError && error.status === 404
				? 'n8n no longer has this execution (it prunes old ones): what the index kept is shown'
				: messageOf(error);
		return { ...execution, nodes: null, liveError };
	}
}

export const retryRequestSchema = z
	.object({
		executions: z
			.array(z.object({ environmentId: z.string().min(1), id: z.string().min(1) }).strict())
			.min(1)
			.max(100)
			.describe('the executions to run again'),
	})
	.strict();

export interface RetryOutcome {
	environmentId: string;
	id: string;
	/** The execution n8n made to run it again. */
	retryId?: string;
	error?: string;
}

/**
 * Runs finished executions again in n8n, one by one (one failure does not stop the others), each
 * audited; then indexes their environments, so the new executions, linked to the old, are listed.
 */
export async function retryExecutions(
	deps: EnvironmentDeps,
	context: AuditContext,
	executions: Array<{ environmentId: string; id: string }>,
): Promise<RetryOutcome[]> {
	const outcomes: RetryOutcome[] = [];
	for (const { environmentId, id } of executions) {
		try {
			outcomes.push(await retryOne(deps, context, environmentId, id));
		} catch (error) {
			outcomes.push({ environmentId, id, error: messageOf(error) });
		}
	}
	for (const environmentId of new Set(outcomes.filter((o) => !o.error).map((o) => o.environmentId)))
		await indexExecutions(deps, environmentId).catch(() => undefined);
	return outcomes;
}

/** Runs one execution again in n8n, audited, and indexes its environment; a failure is thrown. */
export async function retryExecution(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	id: string,
): Promise<RetryOutcome> {
	const outcome = await retryOne(deps, context, environmentId, id);
	await indexExecutions(deps, environmentId).catch(() => undefined);
	return outcome;
}

async function retryOne(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	id: string,
): Promise<RetryOutcome> {
	const indexed = await getIndexedExecution(deps.db, environmentId, id);
	const client = deps.n8nClient(n8nTarget(deps, await getEnvironmentRow(deps.db, environmentId)));
	const retry = await client.retryExecution(id);
	const retryId = retry?.id == null ? undefined : String(retry.id);
	await deps.db.transaction().execute((trx) =>
		appendAudit(trx, context, {
			action: 'execution.retry',
			resourceType: 'execution',
			resourceId: id,
			environmentId,
			metadata: { workflowId: indexed.workflowId, workflowName: indexed.workflowName, retryId: retryId ?? null },
		}),
	);
	return { environmentId, id, ...(retryId && { retryId }) };
}

/** Stops a running or waiting execution (n8n 2.x; 1.x's API cannot). Audited. */
export async function stopExecution(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	id: string,
): Promise<Execution> {
	const indexed = await getIndexedExecution(deps.db, environmentId, id);
	if (!OPEN_STATUSES.includes(indexed.status))
		throw conflict(`The execution has ended (${indexed.status}): there is nothing to stop`);
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	if ((await client.majorVersion()) === 1)
		throw new DomainError(
			'unprocessable',
			`"${environment.name}" runs n8n 1.x, whose API cannot stop an execution (n8n 2.x can)`,
		);
	await client.stopExecution(id);
	await deps.db.transaction().execute((trx) =>
		appendAudit(trx, context, {
			action: 'execution.stop',
			resourceType: 'execution',
			resourceId: id,
			environmentId,
			metadata: { workflowId: indexed.workflowId, workflowName: indexed.workflowName, status: indexed.status },
		}),
	);
	await indexExecutions(deps, environmentId).catch(() => undefined);
	return getIndexedExecution(deps.db, environmentId, id);
}
