import type { Db } from '../../db/database';
import { hourOf } from '../executions/rollups';

export interface Glance {
	/** Up or down (after two failed checks in a row), and since when; null before any check. */
	health: { state: 'up' | 'down'; since: string } | null;
	/** Failed executions in the last 24 hours, from the hourly rollups. */
	failures24h: number;
	/** Promotions into it and operations on it waiting for an approval. */
	pendingApprovals: number;
}

/** What the dashboard shows of every environment besides its drift, in a few grouped reads. */
export async function atAGlance(db: Db): Promise<Map<string, Glance>> {
	const [health, failures, promotions, operations] = await Promise.all([
		db.selectFrom('environment_health').select(['environment_id', 'state', 'since']).execute(),
		db
			.selectFrom('execution_rollups')
			.select((eb) => ['environment_id', eb.fn.sum<number>('failed').as('count')])
			.where('hour', '>=', hourOf(new Date(Date.now() - 24 * 3_600_000).toISOString()))
			.groupBy('environment_id')
			.execute(),
		db
			.selectFrom('promotions')
			.select((eb) => ['target_environment_id as environment_id', eb.fn.countAll<number>().as('count')])
			.where('status', '=', 'PENDING_APPROVAL')
			.groupBy('target_environment_id')
			.execute(),
		db
			.selectFrom('operation_requests')
			.select((eb) => ['environment_id', eb.fn.countAll<number>().as('count')])
			.where('status', '=', 'PENDING_APPROVAL')
			.groupBy('environment_id')
			.execute(),
	]);
	const glances = new Map<string, Glance>();
	const of = (environmentId: string) => {
		let glance = glances.get(environmentId);
		if (!glance) glances.set(environmentId, (glance = { health: null, failures24h: 0, pendingApprovals: 0 }));
		return glance;
	};
	for (const row of health) of(row.environment_id).health = { state: row.state, since: row.since };
	for (const row of failures) of(row.environment_id).failures24h = Number(row.count);
	for (const row of [...promotions, ...operations]) of(row.environment_id).pendingApprovals += Number(row.count);
	return glances;
}
