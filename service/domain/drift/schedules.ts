import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { EnvironmentClass, EnvironmentRow } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { getEnvironmentRow } from '../environments/environments';

/** Every 30 minutes, on for staging and prod; dev environments are not checked unless turned on. */
export const DEFAULT_CRON = '*/30 * * * *';
const DEFAULT_ENABLED: Record<EnvironmentClass, boolean> = { dev: false, staging: true, prod: true };

export const scheduleSchema = z.object({
	cron: z
		.string()
		.trim()
		.superRefine((cron, ctx) => {
			const { valid, errors } = validateDetailed(cron);
			if (!valid)
				ctx.addIssue({
					code: 'custom',
					message: `is not a cron expression: ${errors.map((error) => `${error.field} ${error.message}`).join('; ')}`,
				});
		})
		.describe('5 fields (minute hour day month weekday), or 6 with seconds first'),
	enabled: z.boolean(),
});
export type ScheduleInput = z.infer<typeof scheduleSchema>;

/** What the running scheduler offers the routes: apply stored changes now, and say when a check runs next. */
export interface ScheduleControl {
	reconcile(): Promise<void>;
	nextRun(environmentId: string): Date | null;
}

export interface Schedule {
	environmentId: string;
	cron: string;
	enabled: boolean;
	/** Whether it is the default of the environment's class (never set). */
	isDefault: boolean;
	lastRunAt: string | null;
	lastError: string | null;
}

/** The drift check schedule of every environment (its own, or the default of its class). */
export async function listSchedules(db: Db): Promise<Schedule[]> {
	const rows = await db
		.selectFrom('environments')
		.leftJoin('drift_schedules', 'drift_schedules.environment_id', 'environments.id')
		.selectAll('environments')
		.select(['drift_schedules.cron', 'drift_schedules.enabled'])
		.execute();
	return rows.map((row) => toSchedule(row, row.cron === null ? null : { cron: row.cron, enabled: row.enabled === 1 }));
}

export async function getSchedule(db: Db, environmentId: string): Promise<Schedule> {
	const environment = await getEnvironmentRow(db, environmentId);
	const own = await db
		.selectFrom('drift_schedules')
		.select(['cron', 'enabled'])
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	return toSchedule(environment, own ? { cron: own.cron, enabled: own.enabled === 1 } : null);
}

export async function setSchedule(
	db: Db,
	context: AuditContext,
	environmentId: string,
	input: ScheduleInput,
): Promise<Schedule> {
	await getEnvironmentRow(db, environmentId);
	await db.transaction().execute(async (trx) => {
		const row = {
			environment_id: environmentId,
			cron: input.cron,
			enabled: input.enabled ? 1 : 0,
			updated_by: context.actor.name,
			updated_at: new Date().toISOString(),
		};
		await trx
			.insertInto('drift_schedules')
			.values(row)
			.onConflict((conflict) => conflict.column('environment_id').doUpdateSet(row))
			.execute();
		await appendAudit(trx, context, {
			action: 'environment.schedule.set',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
			metadata: { cron: input.cron, enabled: input.enabled },
		});
	});
	return getSchedule(db, environmentId);
}

/** What the last scheduled check did: its time, and its error (null when it worked). */
export async function recordScheduledRun(db: Db, environmentId: string, error: string | null): Promise<void> {
	await db
		.updateTable('environments')
		.set({ last_scheduled_check_at: new Date().toISOString(), last_scheduled_check_error: error })
		.where('id', '=', environmentId)
		.execute();
}

function toSchedule(environment: EnvironmentRow, own: { cron: string; enabled: boolean } | null): Schedule {
	return {
		environmentId: environment.id,
		cron: own?.cron ?? DEFAULT_CRON,
		enabled: own?.enabled ?? DEFAULT_ENABLED[environment.class],
		isDefault: !own,
		lastRunAt: environment.last_scheduled_check_at,
		lastError: environment.last_scheduled_check_error,
	};
}
