import crypto from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { Db } from '../db/database';
import { dialectOf, isUniqueViolation } from '../db/dialect';

/** The first key of every replica's advisory lock (the second is its own). */
const LOCK_NAMESPACE = 7400001;
/** The channel on which replicas tell each other what changed (see Replica.notify). */
const CHANNEL = 'workflowops';

/** How a replica knows whether another one still lives. */
interface Liveness {
	/** Whether the replica holding `lockKey` still lives. */
	isAlive(lockKey: number): Promise<boolean>;
	/** Takes a key for this replica: false if another one holds it. */
	take(lockKey: number): Promise<boolean>;
	notify(message: string): Promise<void>;
	close(): Promise<void>;
}

/**
 * One SQLite file is served by one process: any other replica recorded in it is a previous run.
 * Nothing needs telling.
 */
const singleProcess: Liveness = {
	isAlive: async () => false,
	take: async () => true,
	notify: async () => undefined,
	close: async () => undefined,
};

/**
 * On PostgreSQL a replica lives while its session holds its advisory lock: a process that dies, or a
 * machine that stops answering (TCP keepalives, about 30 s), loses the session and the lock with it.
 * The same session listens for what other replicas notify.
 */
async function postgresLiveness(
	url: string,
	onNotice: (message: string) => void,
	onLost: (error: Error) => void,
): Promise<Liveness> {
	const client = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
	await client.connect();
	let closing = false;
	const lost = (error: Error) => !closing && onLost(error);
	client.on('error', lost);
	client.on('end', () => lost(new Error('the connection to PostgreSQL ended')));
	client.on('notification', ({ payload }) => payload && onNotice(payload));
	await client.query('set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 5; set tcp_keepalives_count = 4');
	await client.query(`listen ${CHANNEL}`);
	const tryLock = async (lockKey: number) =>
		(
			await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [
				LOCK_NAMESPACE,
				lockKey,
			])
		).rows[0].locked;
	return {
		async isAlive(lockKey) {
			if (!(await tryLock(lockKey))) return true;
			await client.query('select pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKey]);
			return false;
		},
		take: tryLock,
		notify: async (message) => void (await client.query('select pg_notify($1, $2)', [CHANNEL, message])),
		async close() {
			closing = true;
			await client.end();
		},
	};
}

export interface ReplicaOptions {
	/** PostgreSQL's URL; absent on SQLite. */
	databaseUrl?: string;
	/** This replica lost its hold on PostgreSQL: the others will take its work over, it must stop. */
	onLost?: (error: Error) => void;
}

/**
 * This companion process as one of the replicas serving the database. Work it runs (jobs, changes to
 * n8n, webhook deliveries) carries its id; when it dies, another replica finds it gone (findDead) and
 * takes that work over.
 */
export class Replica {
	private constructor(
		private readonly db: Db,
		readonly id: string,
		private readonly liveness: Liveness,
		private readonly listeners: ((message: string) => void)[],
	) {}

	static async register(db: Db, options: ReplicaOptions = {}): Promise<Replica> {
		const id = crypto.randomUUID();
		const listeners: ((message: string) => void)[] = [];
		const fromOthers = (payload: string) => {
			const [from, ...message] = payload.split(' ');
			if (from !== id) for (const listener of listeners) listener(message.join(' '));
		};
		const liveness =
			dialectOf(db) === 'postgres' && options.databaseUrl
				? await postgresLiveness(options.databaseUrl, fromOthers, options.onLost ?? (() => undefined))
				: singleProcess;
		for (;;) {
			const lockKey = crypto.randomInt(1, 2 ** 31 - 1);
			if (!(await liveness.take(lockKey))) continue;
			try {
				await db
					.insertInto('replicas')
					.values({
						id,
						lock_key: lockKey,
						host: os.hostname(),
						pid: process.pid,
						started_at: new Date().toISOString(),
					})
					.execute();
				return new Replica(db, id, liveness, listeners);
			} catch (error) {
				// A dead replica's key, still recorded: its lock was free, the row not yet removed.
				if (!isUniqueViolation(error)) throw error;
			}
		}
	}

	/** The other replicas recorded that no longer live. */
	async findDead(): Promise<string[]> {
		const others = await this.db.selectFrom('replicas').select(['id', 'lock_key']).where('id', '!=', this.id).execute();
		const dead: string[] = [];
		for (const other of others) if (!(await this.liveness.isAlive(other.lock_key))) dead.push(other.id);
		return dead;
	}

	/** Calls `listener` with each message another replica notifies. */
	onNotice(listener: (message: string) => void): void {
		this.listeners.push(listener);
	}

	/** Tells the other replicas (not this one) `message`; nothing to tell on SQLite. */
	notify(message: string): Promise<void> {
		return this.liveness.notify(`${this.id} ${message}`);
	}

	/** Stops living: another replica (or the next start) takes over what it left running. */
	close(): Promise<void> {
		return this.liveness.close();
	}
}
