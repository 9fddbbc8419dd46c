import type { Transaction } from 'kysely';
import type { Db } from '../../db/database';
import type { Database } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { messageOf } from '../errors';
import type { Job, Jobs, NewJob } from '../jobs/jobs';
import { type ChangeRow, finishChange, getChange, setSafetySnapshot } from './change-log';
import { type AppliedStep, applyChange, ChangeFailed, type ChangeStep, undoChange } from './executor';

/** What a change's job does with it: its safety snapshot, its steps, and its end. */
export interface ChangeRun {
	/** Records the snapshot of live taken before any write: what undo puts back. */
	takeSafetySnapshot<S extends { id: string }>(taking: Promise<S>): Promise<S>;
	/** Runs the steps against `before` (the safety snapshot's workflows); see applyChange. */
	apply(
		before: Map<string, N8nWorkflow>,
		steps: ChangeStep[],
		report: (done: number, next: ChangeStep) => Promise<void>,
	): Promise<AppliedStep[]>;
	/** Records the change applied, with what `inTransaction` records of it, in one transaction. */
	finish(inTransaction: (trx: Transaction<Database>) => Promise<void>): Promise<void>;
	/**
	 * What stopped the change: the step whose write failed (its undo already run), or any other error,
	 * after which what the change wrote is undone now; with what could not be undone.
	 */
	failure(error: unknown): Promise<ChangeFailure>;
}

export interface ChangeFailure {
	failedStep?: string;
	reason: string;
	undoFailures: string[];
}

/**
 * Runs a change begun with beginChange as a background job. Whatever stops the job before the change
 * is recorded applied (a failed step, a database error recording its success) undoes what it wrote.
 */
export async function startChangeJob(
	deps: { db: Db; jobs: Jobs },
	job: NewJob,
	change: ChangeRow,
	client: N8nClient,
	work: (
		report: (progress: Record<string, unknown>) => Promise<void>,
		run: ChangeRun,
	) => Promise<Record<string, unknown>>,
): Promise<Job> {
	const { db } = deps;
	let before = new Map<string, N8nWorkflow>();
	/** Undoes what the change wrote, unless it is already undone or applied; returns what could not be. */
	const abandon = async (cause: string) => {
		if ((await getChange(db, change.id))?.status !== 'running') return [];
		return undoChange({ db, client, change, before }, cause);
	};
	const run: ChangeRun = {
		async takeSafetySnapshot(taking) {
			const snapshot = await taking;
			await setSafetySnapshot(db, change.id, snapshot.id);
			return snapshot;
		},
		apply(workflows, steps, report) {
			before = workflows;
			return applyChange({ db, client, change, before }, steps, report);
		},
		finish: (inTransaction) =>
			db.transaction().execute(async (trx) => {
				await inTransaction(trx);
				await finishChange(trx, change.id, 'applied');
			}),
		async failure(error) {
			if (error instanceof ChangeFailed)
				return { failedStep: error.step.name, reason: error.reason, undoFailures: error.undoFailures };
			return { reason: messageOf(error), undoFailures: await abandon(messageOf(error)) };
		},
	};
	try {
		return await deps.jobs.start(job, async (report) => {
			try {
				return await work(report, run);
			} catch (error) {
				await abandon(messageOf(error)).catch(() => undefined);
				throw error;
			}
		});
	} catch (error) {
		await finishChange(db, change.id, 'undone', messageOf(error));
		throw error;
	}
}
