import { type Expression, sql, type SqlBool } from 'kysely';
import { z } from 'zod';
import { chunks } from '../../db/batches';
import type { Db } from '../../db/database';
import { jsonNumberAt, packedRows } from '../../db/dialect';
import { DomainError } from '../errors';
import { costModels, costOf, NO_COST } from './cost-models';
import { hourOf, percentile, SUMMED_COLUMNS } from './rollups';

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

const [TOTAL, SUCCEEDED, FAILED, CANCELED, DURATION_COUNT, DURATION_SUM] = [0, 1, 2, 3, 4, 5];
const FIRST_BUCKET = 6;
const LONGEST = SUMMED_COLUMNS.length;

/** Rollups' numbers added up: SUMMED_COLUMNS in order, then the longest duration. Arrays, as they are summed in bulk. */
type Figures = number[];

/** A rollup as the query packs it: period, environment, workflow, then its figures. */
type PackedRollup = [string, string, string, ...Figures];

/** The rollups' figures added up by key. */
function sumBy(rows: PackedRollup[], keyOf: (row: PackedRollup) => string): Map<string, Figures> {
	const summed = new Map<string, Figures>();
	for (const row of rows) {
		const key = keyOf(row);
		let into = summed.get(key);
		if (!into) summed.set(key, (into = new Array<number>(LONGEST + 1).fill(0)));
		for (let i = 0; i < LONGEST; i++) into[i] += row[3 + i] as number;
		into[LONGEST] = Math.max(into[LONGEST], row[3 + LONGEST] as number);
	}
	return summed;
}

function durations(figures: Figures): Durations {
	const buckets = figures.slice(FIRST_BUCKET, LONGEST);
	const [count, sum, longest] = [figures[DURATION_COUNT], figures[DURATION_SUM], figures[LONGEST]];
	return {
		averageMs: count ? Math.round(sum / count) : null,
		p50Ms: percentile(buckets, 0.5, longest),
		p95Ms: percentile(buckets, 0.95, longest),
		maxMs: count ? longest : null,
	};
}

const rate = (succeeded: number, failed: number) =>
	succeeded + failed ? Math.round((succeeded / (succeeded + failed)) * 10_000) / 10_000 : null;

/**
 * Counts, success rate, duration percentiles, the trend, cost and time saved, top failing and slowest
 * workflows, and the most frequent errors over a range: read from the rollups the indexing keeps (by
 * hour up to 3 days, else by day), never from the executions themselves.
 */
export async function executionAnalytics(db: Db, query: AnalyticsQuery): Promise<Analytics> {
	const to = query.to ? new Date(query.to) : new Date();
	const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * 86_400_000);
	if (from >= to) throw new DomainError('invalid_request', 'from: must be before to');
	const bucket = query.bucket ?? (to.getTime() - from.getTime() <= 3 * 86_400_000 ? 'hour' : 'day');
	const daily = bucket === 'day';
	const period = daily ? 'day' : 'hour';
	const cut = (date: Date) => (daily ? date.toISOString().slice(0, 10) : hourOf(date.toISOString()));

	const scope = (table: string): Expression<SqlBool> => {
		const filters = [sql`true`];
		if (query.environment) filters.push(sql`${sql.ref(`${table}.environment_id`)} = ${query.environment}`);
		if (query.workflow) filters.push(sql`${sql.ref(`${table}.workflow_id`)} = ${query.workflow}`);
		if (query.canonical)
			filters.push(sql`(${sql.ref(`${table}.environment_id`)}, ${sql.ref(`${table}.workflow_id`)}) IN
				(SELECT environment_id, n8n_id FROM workflow_inventory WHERE canonical_id = ${query.canonical})`);
		return sql<SqlBool>`${sql.join(filters, sql` AND `)}`;
	};
	// One read of the rollups (by hour, or by day for longer ranges): every figure is summed from it.
	const table = daily ? 'execution_daily_rollups' : 'execution_rollups';
	const packed = await sql<{ rows: string }>`
		SELECT ${packedRows(
			db,
			[period, 'environment_id', 'workflow_id', ...SUMMED_COLUMNS, 'duration_max_ms'].map((column) => sql.ref(column)),
		)} AS rows
		FROM ${sql.table(table)}
		WHERE ${sql.ref(period)} >= ${cut(from)} AND ${sql.ref(period)} <= ${cut(to)} AND ${scope(table)}`.execute(db);
	const rollups = JSON.parse(packed.rows[0].rows) as PackedRollup[];
	const errors = await sql<{ message: string; count: number; workflows: number; last_at: string; example: string }>`
		SELECT error_group AS message, sum(count) AS count, count(DISTINCT environment_id || ' ' || workflow_id) AS workflows,
			max(last_at) AS last_at, max(example) AS example
		FROM error_rollups
		WHERE day >= ${from.toISOString().slice(0, 10)} AND day <= ${to.toISOString().slice(0, 10)} AND ${scope('error_rollups')}
		GROUP BY error_group ORDER BY count DESC, last_at DESC LIMIT 10`.execute(db);
	const perWorkflow = sumBy(rollups, ([, environmentId, workflowId]) => `${environmentId}\n${workflowId}`);
	const trend = [...sumBy(rollups, ([at]) => at)].sort(([a], [b]) => a.localeCompare(b));
	const perDay = sumBy(
		rollups,
		([at, environmentId, workflowId]) => `${at.slice(0, 10)}\n${environmentId}\n${workflowId}`,
	);

	const workflows = await workflowFacts(
		db,
		[...perWorkflow.keys()].map((key) => key.split('\n') as [string, string]),
	);
	const models = await costModels(db);
	const factsOf = (environmentId: string, workflowId: string) => workflows.get(`${environmentId}\n${workflowId}`);
	const modelOf = (environmentId: string) => models.get(environmentId) ?? NO_COST;

	const figures = [...perWorkflow].map(([key, row]): WorkflowFigures => {
		const [environmentId, workflowId] = key.split('\n');
		const facts = factsOf(environmentId, workflowId);
		const model = modelOf(environmentId);
		return {
			environmentId,
			environmentName: facts?.environmentName ?? environmentId,
			workflowId,
			workflowName: facts?.name ?? null,
			canonicalId: facts?.canonicalId ?? null,
			total: row[TOTAL],
			succeeded: row[SUCCEEDED],
			failed: row[FAILED],
			successRate: rate(row[SUCCEEDED], row[FAILED]),
			...durations(row),
			cost: round(costOf(model, facts?.nodeTypes ?? [], row[TOTAL], row[DURATION_SUM])),
			currency: model.currency,
			timeSavedMinutes: row[SUCCEEDED] * (facts?.timeSavedMinutes ?? 0),
		};
	});
	const costPerDay = new Map<string, { day: string; currency: string; cost: number; timeSavedMinutes: number }>();
	for (const [key, row] of perDay) {
		const [day, environmentId, workflowId] = key.split('\n');
		const facts = factsOf(environmentId, workflowId);
		const model = modelOf(environmentId);
		const entry = costPerDay.get(`${day} ${model.currency}`) ?? {
			day,
			currency: model.currency,
			cost: 0,
			timeSavedMinutes: 0,
		};
		entry.cost += costOf(model, facts?.nodeTypes ?? [], row[TOTAL], row[DURATION_SUM]);
		entry.timeSavedMinutes += row[SUCCEEDED] * (facts?.timeSavedMinutes ?? 0);
		costPerDay.set(`${day} ${model.currency}`, entry);
	}

	const all = sumBy(rollups, () => 'all').get('all') ?? new Array<number>(LONGEST + 1).fill(0);
	const cost: Record<string, number> = {};
	for (const figure of figures) cost[figure.currency] = round((cost[figure.currency] ?? 0) + figure.cost);
	const byFailures = figures.filter((figure) => figure.failed > 0).sort((a, b) => b.failed - a.failed);
	const bySlowness = figures.filter((figure) => figure.p95Ms !== null).sort((a, b) => b.p95Ms! - a.p95Ms!);

	return {
		range: { from: from.toISOString(), to: to.toISOString(), bucket },
		summary: {
			total: all[TOTAL],
			succeeded: all[SUCCEEDED],
			failed: all[FAILED],
			canceled: all[CANCELED],
			successRate: rate(all[SUCCEEDED], all[FAILED]),
			...durations(all),
			cost,
			timeSavedMinutes: figures.reduce((sum, figure) => sum + figure.timeSavedMinutes, 0),
		},
		trend: trend.map(([at, row]) => {
			const { p50Ms, p95Ms } = durations(row);
			return { at, total: row[TOTAL], failed: row[FAILED], p50Ms, p95Ms };
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
					jsonNumberAt(db, 'workflow_blobs.raw', ['settings', 'timeSavedPerExecution']).as('time_saved'),
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
