import type { Db } from '../../db/database';
import { getEnvironmentRow } from '../environments/environments';

export type EnvironmentDriftStatus = 'NEW' | 'IN_SYNC' | 'DRIFT_DETECTED' | 'ERROR' | 'UNKNOWN';

export interface DriftStatusReport {
	environmentId: string;
	/** NEW: no baseline; UNKNOWN: not checked since the baseline was last approved. */
	status: EnvironmentDriftStatus;
	checkedAt: string | null;
	error: string | null;
	lastCheckId: string | null;
	baselineWorkflows: number;
	baselineApprovedAt: string | null;
	openIncidentId: string | null;
}

export async function driftStatus(db: Db, environmentId: string): Promise<DriftStatusReport> {
	const approvedAt = (await getEnvironmentRow(db, environmentId)).baseline_approved_at;
	const baseline = await db
		.selectFrom('baselines')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('environment_id', '=', environmentId)
		.executeTakeFirstOrThrow();
	const last = await db
		.selectFrom('drift_checks')
		.select(['id', 'status', 'error', 'finished_at'])
		.where('environment_id', '=', environmentId)
		.orderBy('started_at', 'desc')
		.limit(1)
		.executeTakeFirst();
	const incident = await db
		.selectFrom('incidents')
		.select('id')
		.where('environment_id', '=', environmentId)
		.where('status', '!=', 'RESOLVED')
		.executeTakeFirst();
	const stale = !last || last.status === 'NEW' || (approvedAt !== null && approvedAt > last.finished_at);
	return {
		environmentId,
		status: !approvedAt ? 'NEW' : stale ? 'UNKNOWN' : last.status,
		checkedAt: last?.finished_at ?? null,
		error: last?.error ?? null,
		lastCheckId: last?.id ?? null,
		baselineWorkflows: Number(baseline.count),
		baselineApprovedAt: approvedAt,
		openIncidentId: incident?.id ?? null,
	};
}
