import type { Logger } from 'pino';
import { appendAudit, type AuditContext } from '../domain/audit/audit-log';
import { failOrphanedRequests } from '../domain/approvals/operation-requests';
import { type ChangeRow, claimOrphanedChanges } from '../domain/changes/change-log';
import { undoOrphanedChanges } from '../domain/changes/recovery';
import type { Webhooks } from '../domain/events/webhooks';
import { failOrphanedJobs } from '../domain/jobs/jobs';
import { ORPHANED } from '../domain/jobs/orphaned';
import { endInterruptedPromotion } from '../domain/promotions/execute';
import { startInventorySync } from '../domain/workflows/inventory-sync';
import type { AppDeps } from '../http/deps';
import type { Replica } from './replicas';

type TakeoverDeps = AppDeps & { events: Webhooks };

const TAKEOVER_CONTEXT: AuditContext = {
	actor: { type: 'system', id: null, name: 'takeover' },
	ip: null,
	userAgent: null,
};

/**
 * Takes over the work of the replicas gone (found dead, or on SQLite a previous run), in one
 * transaction, so that exactly one replica takes each piece. Their jobs fail saying what state they
 * left, and an interrupted sync starts again here; operation requests they were starting fail; their
 * pending webhook deliveries are sent from here. Each change to n8n they left running (restore,
 * revert, promotion) is undone from its record and audited, in the background: `undoing`. Until it is,
 * its instance takes no other change.
 */
export async function takeOverWork(deps: TakeoverDeps, replica: Replica): Promise<{ undoing: Promise<void> }> {
	const dead = await replica.findDead();
	const taken = await deps.db.transaction().execute(async (trx) => {
		if (dead.length) await trx.deleteFrom('replicas').where('id', 'in', dead).execute();
		await trx.deleteFrom('running_drift_checks').where(ORPHANED).execute();
		const jobs = await failOrphanedJobs(trx);
		// What the syncs among them had read: a running sync's rows are its own.
		await trx
			.deleteFrom('inventory_sync_rows')
			.where('job_id', 'not in', trx.selectFrom('jobs').select('id').where('status', '=', 'running'))
			.execute();
		return {
			jobs,
			requests: await failOrphanedRequests(trx, TAKEOVER_CONTEXT),
			changes: await claimOrphanedChanges(trx, replica.id),
			deliveries: await deps.events.claimOrphaned(trx),
		};
	});
	const { logger } = deps;
	if (taken.jobs.length)
		logger.warn({ jobs: taken.jobs.map(({ id, kind }) => ({ id, kind })) }, 'marked jobs left running as failed');
	if (taken.requests.length)
		logger.warn({ requests: taken.requests }, 'marked approved operation requests left starting as failed');
	for (const job of taken.jobs) await deps.jobs.announce(job.id);
	deps.events.resume(taken.deliveries);
	for (const job of taken.jobs)
		if (job.kind === 'inventory.sync' && job.environmentId)
			await startInventorySync(deps, TAKEOVER_CONTEXT, job.environmentId, 'all').catch((error: unknown) =>
				logger.warn({ err: error, environmentId: job.environmentId }, 'could not start the interrupted sync again'),
			);
	const undoing = taken.changes.length ? undoChanges(deps, taken.changes, logger) : Promise.resolve();
	return { undoing };
}

async function undoChanges(deps: TakeoverDeps, changes: ChangeRow[], logger: Logger): Promise<void> {
	for (const recovered of await undoOrphanedChanges(deps, changes)) {
		const { change, undoFailures } = recovered;
		logger.warn({ changeId: change.id, subject: change.subject, undoFailures }, 'undid a change left running');
		if (change.kind !== 'restore') {
			await endInterruptedPromotion(deps, TAKEOVER_CONTEXT, recovered);
			continue;
		}
		const job = await deps.jobs.latestFor(change.subject);
		await deps.db.transaction().execute((trx) =>
			appendAudit(trx, TAKEOVER_CONTEXT, {
				action: 'snapshot.restore',
				resourceType: 'environment',
				resourceId: change.environment_id,
				environmentId: change.environment_id,
				metadata: {
					outcome: 'interrupted',
					jobId: job?.id ?? null,
					error: job?.error ?? null,
					safetySnapshotId: change.safety_snapshot_id,
					undone: !undoFailures.length,
					undoFailures,
				},
			}),
		);
	}
}

/**
 * Looks for replicas gone every `intervalMs` and takes their work over (one look at a time, the undoing
 * left to run); returns the stop. Only PostgreSQL has other replicas to watch.
 */
export function watchReplicas(deps: TakeoverDeps, replica: Replica, intervalMs: number): () => void {
	let looking = false;
	const timer = setInterval(() => {
		if (looking) return;
		looking = true;
		const failed = (error: unknown) =>
			deps.logger.error({ err: error }, 'could not take over the work of replicas gone');
		takeOverWork(deps, replica)
			.then(({ undoing }) => void undoing.catch(failed), failed)
			.finally(() => (looking = false));
	}, intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}
