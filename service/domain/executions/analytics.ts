import { type Expression, sql, type SqlBool } from 'kysely';
import { z } from 'zod';
import { chunks } from '../../db/batches';
import type { Db } from '../../db/database';
import { DomainError } from '../errors';
import { costModels, costOf, NO_COST } from './cost-models';
import { BUCKET_COLUMNS, hourOf, percentile } from './rollups';

const instant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 date and time' });

export const analyticsQuerySchema = z.object({
	environment: z.string().min(1).optional(),
	workflow: z.string().min(1).optional().describe('an n8n workflow id (in the environment given, or any)'),
	canonical: z.string().min(1).optional().describe('a canonical workflow id: the workflow in every environment'),
	from: instant.optional().describe('start of the range (default: 7 days before `to`)'),
	to: instant.optional().describe('end of the range (default: now)'),
	bucket: z.enum(['hour', 'day']).optional().describe('the trend’s step (default: hour up to 3 days, else day)'),
});
export type AnalyticsQuery = z.infer<typeof analyticsQuerySchema>;

interface Durations {
	averageMs: number | null;
	p50Ms: number | null;
	p95Ms: number | null;
	maxMs: number | null;
}

export interface WorkflowFigures extends Durations {
	environmentId: string;
	environmentName: string;
	workflowId: string;
	workflowName: string | null;
	canonicalId: string | null;
	total: number;
	succeeded: number;
	failed: number;
	successRate: number | null;
	cost: number;
	currency: string;
	/** n8n's own timeSavedPerExecution setting (minutes) times the successful executions. */
	timeSavedMinutes: number;
}

export interface Analytics {
	range: { from: string; to: string; bucket: 'hour' | 'day' };
	summary: Durations & {
		total: number;
		succeeded: number;
		failed: number;
		canceled: number;
		successRate: number | null;
		/** By currency. */
		cost: Record<string, number>;
		timeSavedMinutes: number;
	};
	trend: Array<{ at: string; total: number; failed: number; p50Ms: number | null; p95Ms: number | null }>;
	costPerDay: Array<{ day: string; currency: string; cost: number; timeSavedMinutes: number }>;
	workflows: WorkflowFigures[];
	topFailing: WorkflowFigures[];
	slowest: WorkflowFigures[];
	errors: Array<{ message: string; count: number; workflows: number; lastAt: string; example: string }>;
}

type Sums = Record<(typeof BUCKET_COLUMNS)[number], number> & {
	total: number;
	succeeded: number;
	failed: number;
	canceled: number;
	duration_count: number;
	duration_sum_ms: number;
	duration_max_ms: number;
};

const sums = sql.join([
	sql`sum(total) AS total`,
	sql`sum(succeeded) AS succeeded`,
	sql`sum(failed) AS failed`,
	sql`sum(canceled) AS canceled`,
	sql`sum(duration_count) AS duration_count`,
	sql`sum(duration_sum_ms) AS duration_sum_ms`,
	sql`max(duration_max_ms) AS duration_max_ms`,
	...BUCKET_COLUMNS.map((column) => sql`sum(${sql.ref(column)}) AS ${sql.ref(column)}`),
]);

function durations(row: Sums): Durations {
	const buckets = BUCKET_COLUMNS.map((column) => row[column]);
	return {
		averageMs: row.duration_count ? Math.round(row.duration_sum_ms / row.duration_count) : null,
		p50Ms: percentile(buckets, 0.5, row.duration_max_ms),
		p95Ms: percentile(buckets, 0.95, row.duration_max_ms),
		maxMs: row.duration_count ? row.duration_max_ms : null,
	};
}

const rate = (succeeded: number, failed: number) =>
	succeeded + failed ? Math.round((succeeded / (succeeded + failed)) * 10_000) / 10_000 : null;

/**
 * Counts, success rate, duration percentiles, the trend, cost and time saved, top failing and slowest
 * workflows, over a range: read from the hourly rollups (not the executions), but for the most frequent
 * errors, which are counted over the failures' grouped messages.
 */
export async function executionAnalytics(db: Db, query: AnalyticsQuery): Promise<Analytics> {
	const to = query.to ? new Date(query.to) : new Date();
	const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * 86_400_000);
	if (from >= to) throw new DomainError('invalid_request', 'from: must be before to');
	const bucket = query.bucket ?? (to.getTime() - from.getTime() <= 3 * 86_400_000 ? 'hour' : 'day');
	const [firstHour, lastHour] = [hourOf(from.toISOString()), hourOf(to.toISOString())];

	const scope = (table: 'execution_rollups' | 'executions'): Expression<SqlBool> => {
		const filters = [sql`1`];
		if (query.environment) filters.push(sql`${sql.ref(`${table}.environment_id`)} = ${query.environment}`);
		if (query.workflow) filters.push(sql`${sql.ref(`${table}.workflow_id`)} = ${query.workflow}`);
		if (query.canonical)
			filters.push(sql`(${sql.ref(`${table}.environment_id`)}, ${sql.ref(`${table}.workflow_id`)}) IN
				(SELECT environment_id, n8n_id FROM workflow_inventory WHERE canonical_id = ${query.canonical})`);
		return sql<SqlBool>`${sql.join(filters, sql` AND `)}`;
	};
	const inRange = sql`hour >= ${firstHour} AND hour <= ${lastHour} AND ${scope('execution_rollups')}`;

	const perWorkflow = await sql<Sums & { environment_id: string; workflow_id: string }>`
		SELECT environment_id, workflow_id, ${sums} FROM execution_rollups WHERE ${inRange}
		GROUP BY environment_id, workflow_id`.execute(db);
	const step = bucket === 'hour' ? sql`hour` : sql`substr(hour, 1, 10)`;
	const trend = await sql<Sums & { at: string }>`
		SELECT ${step} AS at, ${sums} FROM execution_rollups WHERE ${inRange} GROUP BY at ORDER BY at`.execute(db);
	const daily = await sql<{
		day: string;
		environment_id: string;
		workflow_id: string;
		total: number;
		succeeded: number;
		duration_sum_ms: number;
	}>`
		SELECT substr(hour, 1, 10) AS day, environment_id, workflow_id, sum(total) AS total, sum(succeeded) AS succeeded,
			sum(duration_sum_ms) AS duration_sum_ms
		FROM execution_rollups WHERE ${inRange} GROUP BY day, environment_id, workflow_id`.execute(db);
	const errors = await sql<{ message: string; count: number; workflows: number; last_at: string; example: string }>`
		SELECT error_group AS message, count(*) AS count, count(DISTINCT environment_id || ' ' || workflow_id) AS workflows,
			max(started_at) AS last_at, max(error_message) AS example
		FROM executions
		WHERE error_group IS NOT NULL AND started_at >= ${from.toISOString()} AND started_at < ${to.toISOString()}
			AND ${scope('executions')}
		GROUP BY error_group ORDER BY count DESC, last_at DESC LIMIT 10`.execute(db);

	const workflows = await workflowFacts(
		db,
		[...perWorkflow.rows, ...daily.rows].map((row) => [row.environment_id, row.workflow_id] as const),
	);
	const models = await costModels(db);
	const factsOf = (environmentId: string, workflowId: string) => workflows.get(`${environmentId}\n${workflowId}`);
	const modelOf = (environmentId: string) => models.get(environmentId) ?? NO_COST;

	const figures = perWorkflow.rows.map((row): WorkflowFigures => {
		const facts = factsOf(row.environment_id, row.workflow_id);
		const model = modelOf(row.environment_id);
		return {
			environmentId: row.environment_id,
			environmentName: facts?.environmentName ?? row.environment_id,
			workflowId: row.workflow_id,
			workflowName: facts?.name ?? null,
			canonicalId: facts?.canonicalId ?? null,
			total: row.total,
			succeeded: row.succeeded,
			failed: row.failed,
			successRate: rate(row.succeeded, row.failed),
			...durations(row),
			cost: round(costOf(model, facts?.nodeTypes ?? [], row.total, row.duration_sum_ms)),
			currency: model.currency,
			timeSavedMinutes: row.succeeded * (facts?.timeSavedMinutes ?? 0),
		};
	});
	const costPerDay = new Map<string, { day: string; currency: string; cost: number; timeSavedMinutes: number }>();
	for (const row of daily.rows) {
		const facts = factsOf(row.environment_id, row.workflow_id);
		const model = modelOf(row.environment_id);
		const key = `${row.day} ${model.currency}`;
		const entry = costPerDay.get(key) ?? { day: row.day, currency: model.currency, cost: 0, timeSavedMinutes: 0 };
		entry.cost += costOf(model, facts?.nodeTypes ?? [], row.total, row.duration_sum_ms);
		entry.timeSavedMinutes += row.succeeded * (facts?.timeSavedMinutes ?? 0);
		costPerDay.set(key, entry);
	}

	const total = (field: keyof Sums) => perWorkflow.rows.reduce((sum, row) => sum + row[field], 0);
	const all = Object.fromEntries(
		(['total', 'succeeded', 'failed', 'canceled', 'duration_count', 'duration_sum_ms', ...BUCKET_COLUMNS] as const).map(
			(field) => [field, total(field)],
		),
	) as Sums;
	all.duration_max_ms = Math.max(0, ...perWorkflow.rows.map((row) => row.duration_max_ms));
	const cost: Record<string, number> = {};
	for (const figure of figures) cost[figure.currency] = round((cost[figure.currency] ?? 0) + figure.cost);
	const byFailures = figures.filter((figure) => figure.failed > 0).sort((a, b) => b.failed - a.failed);
	const bySlowness = figures.filter((figure) => figure.p95Ms !== null).sort((a, b) => b.p95Ms! - a.p95Ms!);

	return {
		range: { from: from.toISOString(), to: to.toISOString(), bucket },
		summary: {
			total: all.total,
			succeeded: all.succeeded,
			failed: all.failed,
			canceled: all.canceled,
			successRate: rate(all.succeeded, all.failed),
			...durations(all),
			cost,
			timeSavedMinutes: figures.reduce((sum, figure) => sum + figure.timeSavedMinutes, 0),
		},
		trend: trend.rows.map((row) => {
			const { p50Ms, p95Ms } = durations(row);
			return { at: row.at, total: row.total, failed: row.failed, p50Ms, p95Ms };
		}),
		costPerDay: [...costPerDay.values()]
			.map((entry) => ({ ...entry, cost: round(entry.cost) }))
			.sort((a, b) => a.day.localeCompare(b.day)),
		workflows: figures.sort((a, b) => b.total - a.total),
		topFailing: byFailures.slice(0, 10),
		slowest: bySlowness.slice(0, 10),
		errors: errors.rows.map(({ last_at, ...error }) => ({ ...error, lastAt: last_at })),
	};
}

const round = (amount: number) => Math.round(amount * 10_000) / 10_000;

interface WorkflowFacts {
	environmentName: string;
	name: string;
	canonicalId: string;
	nodeTypes: string[];
	timeSavedMinutes: number;
}

/** What the inventory says of the workflows: name, identity, node types, n8n's time saved per execution. */
async function workflowFacts(
	db: Db,
	wanted: Array<readonly [environmentId: string, workflowId: string]>,
): Promise<Map<string, WorkflowFacts>> {
	const pairs = [...new Map(wanted.map((pair) => [pair.join('\n'), pair])).values()];
	const rows = [];
	for (const batch of chunks(pairs, 200)) {
		const values = sql.join(batch.map(([environmentId, workflowId]) => sql`(${environmentId}, ${workflowId})`));
		rows.push(
			...(await db
				.selectFrom('workflow_inventory')
				.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
				.innerJoin('workflow_blobs', 'workflow_blobs.raw_hash', 'workflow_inventory.raw_hash')
				.select([
					'workflow_inventory.environment_id',
					'environments.name as environment_name',
					'workflow_inventory.n8n_id',
					'workflow_inventory.name',
					'workflow_inventory.canonical_id',
					'workflow_inventory.node_types',
					sql<number | null>`json_extract(workflow_blobs.raw, '$.settings.timeSavedPerExecution')`.as('time_saved'),
				])
				.where(sql<SqlBool>`(workflow_inventory.environment_id, workflow_inventory.n8n_id) IN (VALUES ${values})`)
				.execute()),
		);
	}
	return new Map(
		rows.map((row) => [
			`${row.environment_id}\n${row.n8n_id}`,
			{
				environmentName: row.environment_name,
				name: row.name,
				canonicalId: row.canonical_id,
				nodeTypes: JSON.parse(row.node_types) as string[],
				timeSavedMinutes: typeof row.time_saved === 'number' && row.time_saved > 0 ? row.time_saved : 0,
			},
		]),
	);
}
