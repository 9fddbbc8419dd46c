import { type ScheduledTask, schedule } from 'node-cron';
import type { Logger } from 'pino';
import type { AuditContext } from '../domain/audit/audit-log';
import { checkDrift } from '../domain/drift/drift-check';
import { markSlaBreaches } from '../domain/drift/incidents';
import { listSchedules, recordScheduledRun, type ScheduleControl } from '../domain/drift/schedules';
import { checkHealth, type EnvironmentDeps } from '../domain/environments/environments';
import { DomainError } from '../domain/errors';

export const SCHEDULER_CONTEXT: AuditContext = {
	actor: { type: 'system', id: null, name: 'scheduler' },
	ip: null,
	userAgent: null,
};

export interface SchedulerDeps extends EnvironmentDeps {
	logger: Logger;
}

export interface SchedulerOptions {
	/** Health checks of every environment: reachable, authorised, version. */
	healthCron?: string;
	/** Marking incidents whose SLA has passed. */
	slaCron?: string;
}

/**
 * The node-cron schedules: each environment's drift checks (never two at once for one environment: a
 * tick that finds the last check still running is skipped), health checks and the SLA sweep.
 * `reconcile` applies stored schedule changes without a restart.
 */
export class Scheduler implements ScheduleControl {
	private readonly checks = new Map<string, { cron: string; task: ScheduledTask }>();
	private readonly routines: ScheduledTask[] = [];
	private reconciling: Promise<void> = Promise.resolve();
	/** Drift checks started, finished (an ERROR check included), failed, and ticks skipped for overlap. */
	readonly stats = { started: 0, finished: 0, failed: 0, skipped: 0 };

	constructor(
		private readonly deps: SchedulerDeps,
		private readonly options: SchedulerOptions = {},
	) {}

	async start(): Promise<void> {
		this.routines.push(
			schedule(this.options.healthCron ?? '*/5 * * * *', () => this.checkHealth(), { name: 'health', noOverlap: true }),
			schedule(this.options.slaCron ?? '* * * * *', () => this.markBreaches(), { name: 'sla', noOverlap: true }),
		);
		await this.reconcile();
	}

	reconcile(): Promise<void> {
		this.reconciling = this.reconciling.then(() => this.applySchedules());
		return this.reconciling;
	}

	nextRun(environmentId: string): Date | null {
		return this.checks.get(environmentId)?.task.getNextRun() ?? null;
	}

	async stop(): Promise<void> {
		await this.reconciling;
		for (const task of [...this.routines, ...[...this.checks.values()].map(({ task }) => task)]) await task.destroy();
		this.checks.clear();
		this.routines.length = 0;
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
		}
		for (const [environmentId, cron] of wanted) {
			if (this.checks.has(environmentId)) continue;
			const task = schedule(cron, () => this.runCheck(environmentId), {
				name: `drift ${environmentId}`,
				noOverlap: true,
			});
			task.on('execution:overlap', () => void (this.stats.skipped += 1));
			this.checks.set(environmentId, { cron, task });
		}
	}

	private async runCheck(environmentId: string): Promise<void> {
		this.stats.started += 1;
		try {
			const { check } = await checkDrift(this.deps, SCHEDULER_CONTEXT, environmentId, 'schedule');
			await recordScheduledRun(this.deps.db, environmentId, check.error);
			this.stats.finished += 1;
		} catch (error) {
			// A check started by hand is still running: this tick is skipped like an overlap.
			if (error instanceof DomainError && error.code === 'conflict') {
				this.stats.skipped += 1;
				return;
			}
			this.stats.failed += 1;
			const message = error instanceof Error ? error.message : String(error);
			this.deps.logger.warn({ environmentId, err: error }, 'scheduled drift check failed');
			await recordScheduledRun(this.deps.db, environmentId, message).catch(() => undefined);
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

	private async markBreaches(): Promise<void> {
		try {
			await markSlaBreaches(this.deps.db, SCHEDULER_CONTEXT);
		} catch (error) {
			this.deps.logger.warn({ err: error }, 'marking SLA breaches failed');
		}
	}
}
