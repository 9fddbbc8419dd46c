import type { AppDeps } from './deps';

/** After a change to environments or schedules: the scheduler applies it now; passes `result` through. */
export async function rescheduled<T>(deps: Pick<AppDeps, 'scheduler'>, result: T): Promise<T> {
	await deps.scheduler?.reconcile();
	return result;
}
