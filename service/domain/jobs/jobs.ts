import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from '../../db/database';
import type { JobRow, JobStatus } from '../../db/schema';
import { conflict, messageOf, notFound } from '../errors';
import { ORPHANED } from './orphaned';

export interface Job {
	id: string;
	kind: string;
	environmentId: string | null;
	subject: string | null;
	status: JobStatus;
	progress: Record<string, unknown>;
	result: Record<string, unknown> | null;
	error: string | null;
	createdAt: string;
	finishedAt: string | null;
}

const toJob = (row: JobRow): Job => ({
	id: row.id,
	kind: row.kind,
	environmentId: row.environment_id,
	subject: row.subject,
	status: row.status,
	progress: JSON.parse(row.progress) as Record<string, unknown>,
	result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
	error: row.error,
	createdAt: row.created_at,
	finishedAt: row.finished_at,
});

/** What a job, or a change, the companion was running when it stopped is ended with. */
export const INTERRUPTED = 'interrupted: the companion stopped while it ran';

export interface NewJob {
	kind: string;
	environmentId: string | null;
	createdBy: string | null;
	/** What it acts on beyond its environment, e.g. "snapshot:<id>" (see latestFor). */
	subject?: string | null;
	/** Refuse with this message while a job of the same kind runs for the environment. */
	onlyOne?: string;
}

export interface JobsOptions {
	/** The replica that runs the jobs started here. */
	replicaId: string;
	/** Tells the other replicas that the job changed (their pages follow it too); see reload. */
	publish?: (jobId: string) => Promise<void>;
}

/**
 * Background jobs: each is a row (so its state survives the request that started it) and a stream
 * of updates for the pages following it (server-sent events), on whichever replica they are.
 */
export class Jobs {
	private readonly updates = new EventEmitter().setMaxListeners(0);

	constructor(
		private readonly db: Db,
		private readonly options: JobsOptions,
	) {}

	async get(id: string): Promise<Job> {
		const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
		if (!row) throw notFound('Job');
		return toJob(row);
	}

	/** The job once it has finished, or as it is after `waitMs` if it is still running then. */
	async waitFor(id: string, waitMs: number): Promise<Job> {
		const job = await this.get(id);
		if (job.status !== 'running' || waitMs <= 0) return job;
		return new Promise((resolve) => {
			const done = (latest: Job) => {
				clearTimeout(timer);
				stop();
				resolve(latest);
			};
			const stop = this.follow(id, (latest) => latest.status !== 'running' && done(latest));
			const timer = setTimeout(() => void this.get(id).then(done, () => done(job)), waitMs);
		});
	}

	/** Tells this replica's followers of the job its state, changed by another replica. */
	async reload(id: string): Promise<void> {
		if (this.updates.listenerCount(id)) this.updates.emit(id, await this.get(id));
	}

	/** Tells every replica's followers of the job its state, changed outside `start` (taken over). */
	async announce(id: string): Promise<void> {
		await this.reload(id);
		await this.options.publish?.(id);
	}

	/** Calls `listener` with each new state of the job until it finishes; returns the unsubscribe. */
	follow(id: string, listener: (job: Job) => void): () => void {
		this.updates.on(id, listener);
		return () => this.updates.off(id, listener);
	}

	/**
	 * Creates the job and runs `work` in the background, given the job's id. `report` records progress;
	 * the job ends succeeded with what `work` returns, or failed with its error's message. With `onlyOne`,
	 * a job of the same kind already running for the environment is a conflict with that message (checked
	 * and created in one transaction, so two requests at once cannot both start one). A progress report's
	 * `ifInterrupted` is what the job's error says if the companion stops while it runs.
	 */
	async start(
		{ kind, environmentId, createdBy, subject = null, onlyOne }: NewJob,
		work: (
			report: (progress: Record<string, unknown>) => Promise<void>,
			jobId: string,
		) => Promise<Record<string, unknown>>,
	): Promise<Job> {
		const row: JobRow = {
			id: crypto.randomUUID(),
			kind,
			environment_id: environmentId,
			subject,
			status: 'running',
			progress: '{}',
			result: null,
			error: null,
			created_by: createdBy,
			created_at: new Date().toISOString(),
			finished_at: null,
			replica_id: this.options.replicaId,
		};
		await this.db.transaction().execute(async (trx) => {
			if (onlyOne) {
				let running = trx.selectFrom('jobs').select('id').where('kind', '=', kind).where('status', '=', 'running');
				running =
					environmentId === null
						? running.where('environment_id', 'is', null)
						: running.where('environment_id', '=', environmentId);
				const existing = await running.executeTakeFirst();
				if (existing) throw conflict(onlyOne, { jobId: existing.id });
			}
			await trx.insertInto('jobs').values(row).execute();
		});
		const update = async (changes: Partial<JobRow>) => {
			Object.assign(row, changes);
			await this.db.updateTable('jobs').set(changes).where('id', '=', row.id).execute();
			this.updates.emit(row.id, toJob(row));
			await this.options.publish?.(row.id);
		};
		void work((progress) => update({ progress: JSON.stringify(progress) }), row.id)
			.then((result) =>
				update({ status: 'succeeded', result: JSON.stringify(result), finished_at: new Date().toISOString() }),
			)
			.catch((error: unknown) =>
				update({
					status: 'failed',
					error: messageOf(error),
					finished_at: new Date().toISOString(),
				}),
			)
			// Only a database gone away can fail here; the job is then marked at the next start.
			.catch(() => undefined);
		return toJob(row);
	}

	/** The latest job about `subject`, if any. */
	async latestFor(subject: string): Promise<Job | undefined> {
		const row = await this.db
			.selectFrom('jobs')
			.selectAll()
			.where('subject', '=', subject)
			.orderBy('created_at', 'desc')
			.limit(1)
			.executeTakeFirst();
		return row && toJob(row);
	}
}

/**
 * Jobs whose replica is gone did not finish: each fails with what its last progress said of the
 * state it left (`ifInterrupted`), and is returned. Run in the transaction that takes them over.
 */
export async function failOrphanedJobs(trx: Db): Promise<Job[]> {
	const rows = await trx.selectFrom('jobs').selectAll().where('status', '=', 'running').where(ORPHANED).execute();
	const finishedAt = new Date().toISOString();
	for (const row of rows) {
		const { ifInterrupted } = JSON.parse(row.progress) as { ifInterrupted?: unknown };
		row.status = 'failed';
		row.error = `${INTERRUPTED}${typeof ifInterrupted === 'string' ? `. ${ifInterrupted}` : ''}`;
		row.finished_at = finishedAt;
		await trx
			.updateTable('jobs')
			.set({ status: row.status, error: row.error, finished_at: finishedAt })
			.where('id', '=', row.id)
			.execute();
	}
	return rows.map(toJob);
}
