import { type RunCoordinator, type ScheduledTask, schedule, type TaskOptions } from 'node-cron';
import { scheduledBackup } from '../backup';
import type { ScheduledBackups } from '../config';
import type { Logger } from 'pino';
import type { AuditContext } from '../domain/audit/audit-log';
import { CheckCancelled, checkDrift } from '../domain/drift/drift-check';
import { testCredentials } from '../domain/credentials/credential-health';
import { indexExecutions } from '../domain/executions/execution-index';
import { flushFailureBursts } from '../domain/executions/failure-reports';
import type { Jobs } from '../domain/jobs/jobs';
import { runClaims } from './run-claims';
import { enforceRetentionJob } from '../domain/retention/enforce-retention';
import { markSlaBreaches } from '../domain/drift/incidents';
import { listSchedules, recordScheduledRun, type ScheduleControl } from '../domain/drift/schedules';
import { checkHealth, type EnvironmentDeps } from '../domain/environments/environments';
import { DomainError, messageOf } from '../domain/errors';

export const SCHEDULER_CONTEXT: AuditContext = {
	actor: { type: 'system', id: null, name: 'scheduler' },
	ip: null,
	userAgent: null,
};

export interface SchedulerDeps extends EnvironmentDeps {
	logger: Logger;
	jobs: Jobs;
}

export interface SchedulerOptions {
	/** Health checks of every environment: reachable, authorised, version. */
	healthCron?: string;
	/** Marking incidents whose SLA has passed. */
	slaCron?: string;
	/** Testing every credential of the n8n 2.x environments (default hourly). */
	credentialCron?: string;
	/** Indexing every environment's new executions (default every minute). */
	executionCron?: string;
	/** Enforcing the retention settings (default daily, 03:30). */
	retentionCron?: string;
	/** Backups of the database (WORKFLOWOPS_BACKUP_CRON); none when absent. */
	backups?: ScheduledBackups;
	/** How long one scheduled drift check may take in all, retries included (default 2 minutes). */
	checkDeadlineMs?: number;
}

/**
 * The node-cron schedules: each environment's drift checks (never two at once for one environment: a
 * tick that finds the last check still running is skipped), health checks, credential tests, execution
 * indexing (with the failure bursts that ended), the SLA sweep, the nightly retention and the backups.
 * `reconcile` applies stored schedule changes without a restart.
 */
export class Scheduler implements ScheduleControl {
	private readonly checks = new Map<string, { cron: string; task: ScheduledTask }>();
	/** The checks running now, each with what ends it (its schedule removed, the scheduler stopped). */
	private readonly inFlight = new Map<string, { cancel: AbortController; done: Promise<void> }>();
	private readonly routines: ScheduledTask[] = [];
	private reconciling: Promise<void> = Promise.resolve();
	private readonly claims: RunCoordinator;
	/**
	 * Scheduled drift checks finished (an ERROR check included), failed, or cancelled (their schedule
	 * turned off, a shutdown; nothing recorded), ticks skipped because the environment's last check was
	 * still running or it has no baseline yet, and checks running now.
	 */
	readonly stats = { finished: 0, failed: 0, cancelled: 0, skipped: 0, running: 0 };

	constructor(
		private readonly deps: SchedulerDeps,
		private readonly options: SchedulerOptions = {},
	) {
		this.claims = runClaims(deps.db, deps.clock);
	}

	async start(): Promise<void> {
		this.routines.push(
			schedule(this.options.healthCron ?? '*/5 * * * *', () => this.checkHealth(), this.taskOptions('health')),
			schedule(this.options.slaCron ?? '* * * * *', () => this.markBreaches(), this.taskOptions('sla')),
			schedule(
				this.options.credentialCron ?? '17 * * * *',
				() => this.testCredentials(),
				this.taskOptions('credentials'),
			),
			schedule(this.options.executionCron ?? '* * * * *', () => this.indexExecutions(), this.taskOptions('executions')),
			schedule(
				this.options.retentionCron ?? '30 3 * * *',
				() => this.enforceRetention(),
				this.taskOptions('retention'),
			),
		);
		const { backups } = this.options;
		if (backups) this.routines.push(schedule(backups.cron, () => this.backUp(backups), this.taskOptions('backup')));
		// Schedules changed through another process on the database reach this one within a minute.
		this.routines.push(schedule('* * * * *', () => this.reconcile(), this.taskOptions('schedules', false)));
		await this.reconcile();
	}

	reconcile(): Promise<void> {
		this.reconciling = this.reconciling.then(() => this.applySchedules());
		return this.reconciling;
	}

	nextRun(environmentId: string): Date | null {
		return this.checks.get(environmentId)?.task.getNextRun() ?? null;
	}

	/** Stops every schedule and cancels the checks still running (nothing is recorded for them), waiting for them. */
	async stop(): Promise<void> {
		await this.reconciling;
		for (const task of [...this.routines, ...[...this.checks.values()].map(({ task }) => task)]) await task.destroy();
		this.checks.clear();
		this.routines.length = 0;
		await this.cancelChecks([...this.inFlight.keys()], 'the companion is shutting down');
	}

	private async cancelChecks(environmentIds: string[], why: string): Promise<void> {
		const ending = environmentIds.flatMap((id) => this.inFlight.get(id) ?? []);
		for (const { cancel } of ending) cancel.abort(new CheckCancelled(why));
		await Promise.all(ending.map(({ done }) => done));
	}

	private async applySchedules(): Promise<void> {
		const wanted = new Map(
			(await listSchedules(this.deps.db))
				.filter((entry) => entry.enabled)
				.map((entry) => [entry.environmentId, entry.cron]),
		);
		for (const [environmentId, current] of this.checks) {
			if (wanted.get(environmentId) === current.cron) continue;
			await current.task.destroy();
			this.checks.delete(environmentId);
			if (!wanted.has(environmentId)) await this.cancelChecks([environmentId], 'its schedule was turned off');
		}
		for (const [environmentId, cron] of wanted) {
			if (this.checks.has(environmentId)) continue;
			const task = schedule(cron, () => this.runCheck(environmentId), this.taskOptions(`drift ${environmentId}`));
			const skip = () => void (this.stats.skipped += 1);
			task.on('execution:overlap', skip);
			task.on('execution:missed', skip);
			this.checks.set(environmentId, { cron, task });
		}
	}

	/**
	 * No overlap; each tick run by one process of those on the database (the first to claim it), unless
	 * every process must run it; node-cron's own notes (a tick skipped, missed) go to our log at debug level.
	 */
	private taskOptions(name: string, once = true): TaskOptions {
		const log = this.deps.logger.child({ task: name });
		return {
			name,
			noOverlap: true,
			distributed: once,
			runCoordinator: this.claims,
			logger: {
				info: (message) => log.debug(message),
				warn: (message) => log.debug(message),
				debug: (message) => log.debug(message),
				error: (message, err) => log.error({ err }, String(message)),
			},
		};
	}

	private runCheck(environmentId: string): Promise<void> {
		const cancel = new AbortController();
		const deadlineMs = this.options.checkDeadlineMs ?? 120_000;
		const deadline = setTimeout(
			() => cancel.abort(new Error(`the check’s deadline of ${deadlineMs / 1000} s passed`)),
			deadlineMs,
		);
		const done = this.checkOnce(environmentId, cancel.signal).finally(() => {
			clearTimeout(deadline);
			this.inFlight.delete(environmentId);
		});
		this.inFlight.set(environmentId, { cancel, done });
		return done;
	}

	private async checkOnce(environmentId: string, signal: AbortSignal): Promise<void> {
		this.stats.running += 1;
		try {
			const { check } = await checkDrift(this.deps, SCHEDULER_CONTEXT, environmentId, 'schedule', signal);
			await recordScheduledRun(this.deps.db, environmentId, check.error);
			this.stats.finished += 1;
		} catch (error) {
			if (error instanceof CheckCancelled) {
				this.stats.cancelled += 1;
				return;
			}
			// A check started by hand is still running, or nothing is approved to check against yet.
			if (error instanceof DomainError && error.code === 'conflict') {
				this.stats.skipped += 1;
				return;
			}
			this.stats.failed += 1;
			const message = messageOf(error);
			this.deps.logger.warn({ environmentId, err: error }, 'scheduled drift check failed');
			await recordScheduledRun(this.deps.db, environmentId, message).catch(() => undefined);
		} finally {
			this.stats.running -= 1;
		}
	}

	private async checkHealth(): Promise<void> {
		const environments = await this.deps.db.selectFrom('environments').selectAll().execute();
		await Promise.all(
			environments.map((environment) =>
				checkHealth(this.deps, environment).catch((error: unknown) =>
					this.deps.logger.warn({ environmentId: environment.id, err: error }, 'health check failed'),
				),
			),
		);
	}

	/** Environments on n8n 1.x (whose API cannot test) and those without synced credentials are passed over. */
	private async testCredentials(): Promise<void> {
		const environments = await this.deps.db.selectFrom('environments').select('id').execute();
		for (const { id } of environments) {
			try {
				await testCredentials(this.deps, id);
			} catch (error) {
				if (!(error instanceof DomainError && error.code === 'unprocessable'))
					this.deps.logger.warn({ environmentId: id, err: error }, 'testing credentials failed');
			}
		}
	}

	/**
	 * The pushed failures whose burst has ended go out first; then every environment is indexed at
	 * once (each has its own calls in flight); one that fails keeps its error for its page.
	 */
	private async indexExecutions(): Promise<void> {
		await flushFailureBursts(this.deps.db, this.deps.events).catch((error: unknown) =>
			this.deps.logger.warn({ err: error }, 'announcing the failures of ended bursts failed'),
		);
		const environments = await this.deps.db.selectFrom('environments').select('id').execute();
		await Promise.all(
			environments.map(({ id }) =>
				indexExecutions(this.deps, id).catch((error: unknown) =>
					this.deps.logger.debug({ environmentId: id, err: error }, 'indexing executions failed'),
				),
			),
		);
	}

	private async backUp(backups: ScheduledBackups): Promise<void> {
		try {
			const file = await scheduledBackup(this.deps.db, backups);
			this.deps.logger.info({ file }, 'backed up the database');
		} catch (error) {
			this.deps.logger.error({ err: error }, 'the scheduled backup failed');
		}
	}

	/** As a job, so that it shows with the others (or the one started by hand, still running). */
	private async enforceRetention(): Promise<void> {
		await enforceRetentionJob(this.deps, SCHEDULER_CONTEXT).catch((error: unknown) =>
			this.deps.logger.warn({ err: error }, 'starting the retention failed'),
		);
	}

	private async markBreaches(): Promise<void> {
		try {
			await markSlaBreaches(this.deps, SCHEDULER_CONTEXT);
		} catch (error) {
			this.deps.logger.warn({ err: error }, 'marking SLA breaches failed');
		}
	}
}
