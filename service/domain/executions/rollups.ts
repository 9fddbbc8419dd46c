import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { chunks } from '../../db/batches';

/** Upper bounds (ms) of the duration buckets b0..b14; b15 holds the longer ones. */
export const DURATION_BOUNDS = [
	10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 60_000, 300_000, 900_000, 3_600_000,
];
export const BUCKET_COLUMNS = Array.from({ length: DURATION_BOUNDS.length + 1 }, (_, i) => `b${i}` as const);

/** The rollup columns that add up, in order (the longest duration is the greatest instead). */
export const SUMMED_COLUMNS = [
	'total',
	'succeeded',
	'failed',
	'canceled',
	'duration_count',
	'duration_sum_ms',
	...BUCKET_COLUMNS,
] as const;

/** The hour an execution counts in: 'YYYY-MM-DDTHH' (UTC). */
export const hourOf = (startedAt: string) => startedAt.slice(0, 13);

/**
 * A failure's message as the same error whatever its details: ids, hexadecimal strings, numbers and
 * quoted values taken out, so "the most frequent errors" count it once.
 */
export function errorGroup(message: string): string {
	return message
		.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
		.replace(/"[^"]{1,200}"|'[^']{1,200}'/g, '"…"')
		.replace(/\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{8,}\b/g, '<id>')
		.replace(/\d+(?:\.\d+)?/g, '#')
		.replace(/\s+/g, ' ')
		.trim()
		.slice(0, 300);
}

const bucketCounts = sql.join(
	BUCKET_COLUMNS.map((column, i) => {
		const bounds = [];
		if (i > 0) bounds.push(sql`duration_ms >= ${sql.lit(DURATION_BOUNDS[i - 1])}`);
		if (i < DURATION_BOUNDS.length) bounds.push(sql`duration_ms < ${sql.lit(DURATION_BOUNDS[i])}`);
		return sql`count(*) FILTER (WHERE ${sql.join(bounds, sql` AND `)}) AS ${sql.ref(column)}`;
	}),
);

/**
 * Rewrites an environment's rollups of the (workflow, hour) pairs given from its indexed executions,
 * in `db` (the indexing's transaction): the hours, the days they fall in (summed from the hours) and
 * the days' error groups, each counted afresh.
 */
export async function rewriteRollups(
	db: Db,
	environmentId: string,
	pairs: Array<{ workflowId: string; hour: string }>,
) {
	const hours = distinct(pairs.map(({ workflowId, hour }) => ({ workflowId, period: hour })));
	const days = distinct(pairs.map(({ workflowId, hour }) => ({ workflowId, period: hour.slice(0, 10) })));
	const columns = sql.join(SUMMED_COLUMNS.map((column) => sql.ref(column)));
	for (const batch of chunks(hours, 200)) {
		const [values, from, to] = pairsOf(batch);
		await sql`DELETE FROM execution_rollups WHERE environment_id = ${environmentId}
			AND (workflow_id, hour) IN (VALUES ${values})`.execute(db);
		await sql`INSERT INTO execution_rollups (environment_id, workflow_id, hour, ${columns}, duration_max_ms)
			SELECT environment_id, workflow_id, substr(started_at, 1, 13), count(*),
				count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status IN ('error', 'crashed')),
				count(*) FILTER (WHERE status = 'canceled'), count(duration_ms),
				coalesce(sum(duration_ms), 0), ${bucketCounts}, coalesce(max(duration_ms), 0)
			FROM executions
			WHERE environment_id = ${environmentId} AND started_at >= ${from} AND started_at < ${to}
				AND (workflow_id, substr(started_at, 1, 13)) IN (VALUES ${values})
			GROUP BY environment_id, workflow_id, substr(started_at, 1, 13)`.execute(db);
	}
	for (const batch of chunks(days, 200)) {
		const [values, from, to] = pairsOf(batch);
		await sql`DELETE FROM execution_daily_rollups WHERE environment_id = ${environmentId}
			AND (workflow_id, day) IN (VALUES ${values})`.execute(db);
		await sql`INSERT INTO execution_daily_rollups (environment_id, workflow_id, day, ${columns}, duration_max_ms)
			SELECT environment_id, workflow_id, substr(hour, 1, 10),
				${sql.join(SUMMED_COLUMNS.map((column) => sql`sum(${sql.ref(column)})`))},
				max(duration_max_ms)
			FROM execution_rollups
			WHERE environment_id = ${environmentId} AND hour >= ${from} AND hour < ${to}
				AND (workflow_id, substr(hour, 1, 10)) IN (VALUES ${values})
			GROUP BY environment_id, workflow_id, substr(hour, 1, 10)`.execute(db);
		await sql`DELETE FROM error_rollups WHERE environment_id = ${environmentId}
			AND (workflow_id, day) IN (VALUES ${values})`.execute(db);
		await sql`INSERT INTO error_rollups (environment_id, workflow_id, day, error_group, count, last_at, example)
			SELECT environment_id, workflow_id, substr(started_at, 1, 10), error_group, count(*), max(started_at),
				max(error_message)
			FROM executions
			WHERE environment_id = ${environmentId} AND started_at >= ${from} AND started_at < ${to}
				AND error_group IS NOT NULL AND (workflow_id, substr(started_at, 1, 10)) IN (VALUES ${values})
			GROUP BY environment_id, workflow_id, substr(started_at, 1, 10), error_group`.execute(db);
	}
}

function distinct(pairs: Array<{ workflowId: string; period: string }>) {
	return [...new Map(pairs.map((pair) => [`${pair.workflowId}\n${pair.period}`, pair])).values()].sort((a, b) =>
		a.period.localeCompare(b.period),
	);
}

/** The pairs as SQL VALUES, and the range of time they span (a period's prefix up to the one after the last). */
function pairsOf(batch: Array<{ workflowId: string; period: string }>) {
	const values = sql.join(batch.map(({ workflowId, period }) => sql`(${workflowId}, ${period})`));
	return [values, batch[0].period, `${batch.at(-1)!.period}~`] as const;
}

/**
 * A percentile of the durations counted in buckets: within the bucket it falls in, as far between its
 * bounds as the count goes (the longest bucket ends at the longest duration seen).
 */
export function percentile(buckets: number[], p: number, longest: number): number | null {
	const total = buckets.reduce((sum, count) => sum + count, 0);
	if (!total) return null;
	const rank = p * total;
	let below = 0;
	for (const [i, count] of buckets.entries()) {
		if (below + count >= rank && count > 0) {
			const lower = i === 0 ? 0 : DURATION_BOUNDS[i - 1];
			const upper = Math.min(i < DURATION_BOUNDS.length ? DURATION_BOUNDS[i] : longest, Math.max(longest, lower));
			return Math.round(lower + ((rank - below) / count) * (upper - lower));
		}
		below += count;
	}
	return longest;
}
