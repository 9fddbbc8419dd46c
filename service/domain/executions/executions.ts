import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { ExecutionStatus } from '../../db/schema';
import { DomainError, notFound } from '../errors';
import type { Page } from '../pagination';

export const EXECUTION_STATUSES = [
	'success',
	'error',
	'crashed',
	'canceled',
	'running',
	'waiting',
	'new',
	'unknown',
] as const satisfies readonly ExecutionStatus[];

const instant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 date and time' });

export const executionListSchema = z.object({
	limit: z.coerce.number().int().min(1).max(250).default(50),
	cursor: z.string().min(1).optional(),
	environment: z.string().min(1).optional(),
	workflow: z.string().min(1).optional().describe('an n8n workflow id (in the environment given, or any)'),
	canonical: z.string().min(1).optional().describe('a canonical workflow id: its executions in every environment'),
	status: z.enum(EXECUTION_STATUSES).optional(),
	mode: z.string().min(1).max(50).optional().describe('how it was started: webhook, trigger, manual, retry…'),
	from: instant.optional().describe('started at or after'),
	to: instant.optional().describe('started before'),
});
export type ExecutionListQuery = z.infer<typeof executionListSchema>;

export interface Execution {
	environmentId: string;
	environmentName: string;
	id: string;
	workflowId: string;
	workflowName: string | null;
	/** The workflow's identity across environments, while the inventory has it. */
	canonicalId: string | null;
	status: ExecutionStatus;
	mode: string;
	startedAt: string;
	stoppedAt: string | null;
	durationMs: number | null;
	retryOf: string | null;
	retrySuccessId: string | null;
	failedNode: string | null;
	/** Redacted. */
	errorMessage: string | null;
}

/** Where a page ends: the last execution's start, environment and number. */
const cursorSchema = z.tuple([z.string(), z.string(), z.number().int()]);

function decodeExecutionCursor(cursor: string): z.infer<typeof cursorSchema> {
	try {
		return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString()));
	} catch {
		throw new DomainError('invalid_request', 'cursor is not one this API returned');
	}
}

const encodeExecutionCursor = (position: z.infer<typeof cursorSchema>) =>
	Buffer.from(JSON.stringify(position)).toString('base64url');

function selectExecutions(db: Db) {
	return db
		.selectFrom('executions')
		.innerJoin('environments', 'environments.id', 'executions.environment_id')
		.leftJoin('workflow_inventory', (join) =>
			join
				.onRef('workflow_inventory.environment_id', '=', 'executions.environment_id')
				.onRef('workflow_inventory.n8n_id', '=', 'executions.workflow_id'),
		)
		.select([
			'executions.environment_id',
			'environments.name as environment_name',
			'executions.n8n_id',
			'executions.seq',
			'executions.workflow_id',
			sql<string | null>`coalesce(workflow_inventory.name, executions.workflow_name)`.as('workflow_name'),
			'workflow_inventory.canonical_id',
			'executions.status',
			'executions.mode',
			'executions.started_at',
			'executions.stopped_at',
			'executions.duration_ms',
			'executions.retry_of',
			'executions.retry_success_id',
			'executions.failed_node',
			'executions.error_message',
		]);
}

type ExecutionRow = Awaited<ReturnType<ReturnType<typeof selectExecutions>['executeTakeFirstOrThrow']>>;

const toExecution = (row: ExecutionRow): Execution => ({
	environmentId: row.environment_id,
	environmentName: row.environment_name,
	id: row.n8n_id,
	workflowId: row.workflow_id,
	workflowName: row.workflow_name,
	canonicalId: row.canonical_id,
	status: row.status,
	mode: row.mode,
	startedAt: row.started_at,
	stoppedAt: row.stopped_at,
	durationMs: row.duration_ms,
	retryOf: row.retry_of,
	retrySuccessId: row.retry_success_id,
	failedNode: row.failed_node,
	errorMessage: row.error_message,
});

/** The indexed executions of every environment, newest first, filtered; a cursor goes on from a page's last. */
export async function listExecutions(db: Db, query: ExecutionListQuery): Promise<Page<Execution>> {
	let select = selectExecutions(db);
	if (query.environment) select = select.where('executions.environment_id', '=', query.environment);
	if (query.workflow) select = select.where('executions.workflow_id', '=', query.workflow);
	if (query.canonical)
		select = select.where(({ exists, selectFrom }) =>
			exists(
				selectFrom('workflow_inventory as linked')
					.select('linked.n8n_id')
					.whereRef('linked.environment_id', '=', 'executions.environment_id')
					.whereRef('linked.n8n_id', '=', 'executions.workflow_id')
					.where('linked.canonical_id', '=', query.canonical!),
			),
		);
	if (query.status) select = select.where('executions.status', '=', query.status);
	if (query.mode) select = select.where('executions.mode', '=', query.mode);
	if (query.from) select = select.where('executions.started_at', '>=', new Date(query.from).toISOString());
	if (query.to) select = select.where('executions.started_at', '<', new Date(query.to).toISOString());
	if (query.cursor) {
		const [startedAt, environmentId, seq] = decodeExecutionCursor(query.cursor);
		select = select.where(
			sql<boolean>`(executions.started_at, executions.environment_id, executions.seq) < (${startedAt}, ${environmentId}, ${seq})`,
		);
	}
	const rows = await select
		.orderBy('executions.started_at', 'desc')
		.orderBy('executions.environment_id', 'desc')
		.orderBy('executions.seq', 'desc')
		.limit(query.limit + 1)
		.execute();
	const page = rows.slice(0, query.limit);
	const last = page.at(-1);
	return {
		data: page.map(toExecution),
		nextCursor:
			rows.length > query.limit && last
				? encodeExecutionCursor([last.started_at, last.environment_id, last.seq])
				: null,
	};
}

/** One indexed execution. */
export async function getIndexedExecution(db: Db, environmentId: string, id: string): Promise<Execution> {
	const row = await selectExecutions(db)
		.where('executions.environment_id', '=', environmentId)
		.where('executions.n8n_id', '=', id)
		.executeTakeFirst();
	if (!row) throw notFound('Execution');
	return toExecution(row);
}
