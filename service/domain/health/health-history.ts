import { sql } from 'kysely';
import type { Db } from '../../db/database';
import type { EnvironmentRow } from '../../db/schema';
import type { ConnectionReport } from '../../n8n/client';
import type { EventSink } from '../events/events';
import { getEnvironmentRow } from '../environments/environments';

/** Failed checks in a row that make an environment down: one may be a blip. */
const DOWN_AFTER = 2;

/**
 * Keeps a health check as a sample and moves the environment's state, in `trx`: down after DOWN_AFTER
 * failures in a row, up at the next good check; each move is recorded as `environment.down` or
 * `environment.up`. Returns what to dispatch after the commit.
 */
export async function recordHealthSample(
	trx: Db,
	events: EventSink,
	environment: EnvironmentRow,
	report: ConnectionReport,
	at: string,
	latencyMs: number,
): Promise<string[]> {
	await trx
		.insertInto('health_samples')
		.values({
			environment_id: environment.id,
			at,
			ok: report.ok ? 1 : 0,
			latency_ms: Math.round(latencyMs),
			version: report.version,
			error: report.ok ? null : report.message,
		})
		.onConflict((oc) => oc.columns(['environment_id', 'at']).doNothing())
		.execute();
	const before = await trx
		.selectFrom('environment_health')
		.selectAll()
		.where('environment_id', '=', environment.id)
		.executeTakeFirst();
	const failures = report.ok ? 0 : (before?.failures ?? 0) + 1;
	const state = report.ok ? 'up' : failures >= DOWN_AFTER ? 'down' : (before?.state ?? 'up');
	const moved = before ? before.state !== state : state === 'down';
	const row = { environment_id: environment.id, state, failures, since: moved || !before ? at : before.since };
	await trx
		.insertInto('environment_health')
		.values(row)
		.onConflict((oc) => oc.column('environment_id').doUpdateSet(row))
		.execute();
	if (!moved) return [];
	return events.record(trx, state === 'down' ? 'environment.down' : 'environment.up', {
		environment: { id: environment.id, name: environment.name, class: environment.class },
		since: at,
		...(state === 'down' ? { failures, error: report.message } : { downSince: before?.since ?? null }),
	});
}

export interface HealthHistory {
	state: 'up' | 'down' | null;
	since: string | null;
	/** Share of good checks, null where none was made. */
	uptime: { '24h': number | null; '7d': number | null; '30d': number | null };
	/** Over the last 24 hours. */
	latency: { p50Ms: number | null; p95Ms: number | null };
	lastError: { at: string; error: string } | null;
	/** Each time the version n8n reported changed, over 30 days. */
	versionChanges: Array<{ at: string; from: string | null; to: string }>;
}

/** An environment's health over time: its state, uptime over 24 h, 7 d and 30 d, latency, last error, version changes. */
export async function healthHistory(db: Db, environmentId: string, at: Date): Promise<HealthHistory> {
	await getEnvironmentRow(db, environmentId);
	const now = at.getTime();
	const since = (days: number) => new Date(now - days * 86_400_000).toISOString();
	const uptime = async (days: number) => {
		const row = await db
			.selectFrom('health_samples')
			.select([(eb) => eb.fn.countAll<number>().as('checks'), sql<number>`coalesce(sum(ok), 0)`.as('good')])
			.where('environment_id', '=', environmentId)
			.where('at', '>=', since(days))
			.executeTakeFirstOrThrow();
		return row.checks ? Math.round((row.good / row.checks) * 10_000) / 10_000 : null;
	};
	const latencies = (
		await db
			.selectFrom('health_samples')
			.select('latency_ms')
			.where('environment_id', '=', environmentId)
			.where('at', '>=', since(1))
			.where('ok', '=', 1)
			.orderBy('latency_ms')
			.execute()
	).map((row) => row.latency_ms);
	const pick = (p: number) =>
		latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : null;
	const lastError = await db
		.selectFrom('health_samples')
		.select(['at', 'error'])
		.where('environment_id', '=', environmentId)
		.where('ok', '=', 0)
		.orderBy('at', 'desc')
		.executeTakeFirst();
	const versions = await sql<{ at: string; from: string | null; to: string }>`
		SELECT at, previous AS "from", version AS "to" FROM (
			SELECT at, version, lag(version) OVER (ORDER BY at) AS previous FROM health_samples
			WHERE environment_id = ${environmentId} AND version IS NOT NULL AND at >= ${since(30)}
		) AS samples WHERE previous IS NOT NULL AND previous != version ORDER BY at`.execute(db);
	const state = await db
		.selectFrom('environment_health')
		.select(['state', 'since'])
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	return {
		state: state?.state ?? null,
		since: state?.since ?? null,
		uptime: { '24h': await uptime(1), '7d': await uptime(7), '30d': await uptime(30) },
		latency: { p50Ms: pick(0.5), p95Ms: pick(0.95) },
		lastError: lastError ? { at: lastError.at, error: lastError.error ?? '' } : null,
		versionChanges: versions.rows,
	};
}

export interface Outage {
	since: string;
	/** The last failed check's reason. */
	error: string;
}

/** When the environment went down and why, or null while it is up (or never checked). */
export async function outageOf(db: Db, environmentId: string): Promise<Outage | null> {
	const state = await db
		.selectFrom('environment_health')
		.select(['state', 'since'])
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	if (state?.state !== 'down') return null;
	const last = await db
		.selectFrom('health_samples')
		.select('error')
		.where('environment_id', '=', environmentId)
		.where('ok', '=', 0)
		.orderBy('at', 'desc')
		.executeTakeFirst();
	return { since: state.since, error: last?.error ?? '' };
}
