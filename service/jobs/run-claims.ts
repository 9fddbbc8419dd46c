import type { RunCoordinator } from 'node-cron';
import type { Clock } from '../clock';
import type { Db } from '../db/database';

/** How long a claim is kept: long past any tick it could be confused with. */
const KEPT_MS = 86_400_000;

/**
 * node-cron's coordinator for several companion processes on one database: the first process to claim
 * a task's tick runs it, the others skip it. A claim is a row (its key unique), so this needs nothing
 * but the database; claims older than a day are dropped as new ones come.
 */
export function runClaims(db: Db, clock: Clock): RunCoordinator {
	let prunedAt = 0;
	return {
		async shouldRun(key) {
			const at = clock();
			const { numInsertedOrUpdatedRows } = await db
				.insertInto('schedule_runs')
				.values({ key, claimed_at: at.toISOString() })
				.onConflict((oc) => oc.column('key').doNothing())
				.executeTakeFirstOrThrow();
			if (at.getTime() - prunedAt > KEPT_MS / 24) {
				prunedAt = at.getTime();
				const before = new Date(at.getTime() - KEPT_MS).toISOString();
				await db.deleteFrom('schedule_runs').where('claimed_at', '<', before).execute();
			}
			return numInsertedOrUpdatedRows === 1n;
		},
	};
}
