import { type RawBuilder, sql } from 'kysely';
import type { Clock } from '../../clock';
import type { Db } from '../../db/database';
import { someRowsWhere } from '../../db/dialect';
import { reclaimSpace } from '../../db/reclaim-space';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { DomainError } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { type RetentionKind, type RetentionSettings, retentionSettings } from './retention-settings';

/** Rows per DELETE: the database's one connection is free between two, so requests go on meanwhile. */
const BATCH = 1000;
const PRUNED_TABLES = [
	'executions',
	'execution_rollups',
	'execution_daily_rollups',
	'error_rollups',
	'failure_reports',
	'drift_checks',
	'health_samples',
	'webhook_deliveries',
	'jobs',
	'snapshots',
];

export type Removed = Record<RetentionKind | 'snapshots', number>;

export interface RetentionResult extends Record<string, unknown> {
	removed: Removed;
	/** Bytes given back to the file system. */
	reclaimedBytes: number;
}

type Progress = (progress: { kind: string; removed: number }) => Promise<void>;

/**
 * Removes what is older than the retention settings say, kind by kind, in batches; never the audit
 * log, a drift check an incident or the environment's status needs, a pending delivery or a running
 * job, a failure whose burst is still open, or a snapshot a change refers to. Audited with the counts;
 * then the space is given back.
 */
export async function enforceRetention(
	db: Db,
	context: AuditContext,
	progress: Progress,
	now: Date,
): Promise<RetentionResult> {
	const settings = await retentionSettings(db);
	const before = (kind: RetentionKind) => new Date(now.getTime() - settings[kind] * 86_400_000).toISOString();
	const removed = {} as Removed;
	const prune = async (kind: keyof Removed, work: () => Promise<number>) => {
		removed[kind] = await work();
		await progress({ kind, removed: removed[kind] });
	};
	await prune('executions', () => deleteInBatches(db, 'executions', sql`started_at < ${before('executions')}`));
	await prune('rollups', async () => {
		const day = before('rollups').slice(0, 10);
		return (
			(await deleteInBatches(db, 'execution_rollups', sql`hour < ${before('rollups').slice(0, 13)}`)) +
			(await deleteInBatches(db, 'execution_daily_rollups', sql`day < ${day}`)) +
			(await deleteInBatches(db, 'error_rollups', sql`day < ${day}`))
		);
	});
	await prune('failureReports', () =>
		deleteInBatches(db, 'failure_reports', sql`received_at < ${before('failureReports')} AND announced_at IS NOT NULL`),
	);
	await prune('driftChecks', () =>
		deleteInBatches(
			db,
			'drift_checks',
			sql`finished_at < ${before('driftChecks')}
				AND id NOT IN (SELECT last_check_id FROM incidents)
				AND EXISTS (SELECT 1 FROM drift_checks AS newer
					WHERE newer.environment_id = drift_checks.environment_id AND newer.started_at > drift_checks.started_at)`,
		),
	);
	await prune('healthSamples', () => deleteInBatches(db, 'health_samples', sql`at < ${before('healthSamples')}`));
	await prune('webhookDeliveries', () =>
		deleteInBatches(db, 'webhook_deliveries', sql`created_at < ${before('webhookDeliveries')} AND status != 'pending'`),
	);
	await prune('jobs', () => deleteInBatches(db, 'jobs', sql`finished_at < ${before('jobs')} AND status != 'running'`));
	await prune('snapshots', () => pruneSnapshots(db, settings));
	await db.transaction().execute((trx) =>
		appendAudit(trx, context, {
			action: 'retention.enforce',
			resourceType: 'retention',
			metadata: { removed, settings },
		}),
	);
	return { removed, reclaimedBytes: await reclaimSpace(db, PRUNED_TABLES) };
}

/** Enforces the retention now, as a job; while one runs, that one is the answer. */
export async function enforceRetentionJob(
	deps: { db: Db; jobs: Jobs; clock: Clock },
	context: AuditContext,
): Promise<Job> {
	try {
		return await deps.jobs.start(
			{ kind: 'retention.enforce', environmentId: null, createdBy: context.actor.id, onlyOne: 'running' },
			(report) => enforceRetention(deps.db, context, report, deps.clock()),
		);
	} catch (error) {
		const running = error instanceof DomainError && (error.details as { jobId?: string } | undefined)?.jobId;
		if (!running) throw error;
		return deps.jobs.get(running);
	}
}

/** Deletes `table`'s rows matching `where`, BATCH at a time. */
async function deleteInBatches(db: Db, table: string, where: RawBuilder<unknown>): Promise<number> {
	let removed = 0;
	for (;;) {
		const { rows } = await sql`DELETE FROM ${sql.table(table)}
			WHERE ${someRowsWhere(db, table, where, BATCH)} RETURNING 1`.execute(db);
		const count = rows.length;
		removed += count;
		if (count < BATCH) return removed;
		await new Promise((resolve) => setImmediate(resolve));
	}
}

/**
 * Snapshots beyond the newest N of their environment, except those a change (promotion, restore,
 * revert) took as its safety snapshot or restores. The workflows' content stays where a baseline,
 * the inventory or a kept snapshot has it: content is stored once and shared.
 */
async function pruneSnapshots(db: Db, settings: RetentionSettings): Promise<number> {
	return deleteInBatches(
		db,
		'snapshots',
		sql`id IN (SELECT id FROM (
				SELECT id, row_number() OVER (PARTITION BY environment_id ORDER BY created_at DESC) AS newest
				FROM snapshots) AS ranked WHERE newest > ${settings.snapshots})
			AND id NOT IN (SELECT safety_snapshot_id FROM changes WHERE safety_snapshot_id IS NOT NULL)
			AND 'snapshot:' || id NOT IN (SELECT subject FROM changes)`,
	);
}
