import {
	CompiledQuery,
	type DatabaseConnection,
	type DatabaseIntrospector,
	type Dialect,
	type DialectAdapter,
	type Driver,
	type Kysely,
	type QueryCompiler,
	type QueryResult,
	SqliteAdapter,
	SqliteIntrospector,
	SqliteQueryCompiler,
} from 'kysely';
import sqlite3 from 'sqlite3';

export interface Sqlite3DialectConfig {
	/** Path of the database file, or ':memory:'. */
	filename: string;
	/** How long a statement waits for another process's lock before SQLITE_BUSY. */
	busyTimeoutMs?: number;
	/** Open an existing file only (default: create it when missing). */
	mustExist?: boolean;
	/** How often a second connection moves the write-ahead log into the database file (default 1 s). */
	checkpointEveryMs?: number;
}

/**
 * Pages of write-ahead log after which a commit moves the log into the database file itself: a
 * backstop, should the background checkpoint fall behind (40 MB at the default page size).
 */
const INLINE_CHECKPOINT_PAGES = 10_000;

/**
 * The page cache, in KiB (SQLite's default is 2 MB). A sync's indexes and the pages its foreign keys
 * look up stay in memory while it writes a few megabytes of workflows around them.
 */
const CACHE_KIB = 64 * 1024;

/**
 * Kysely dialect for the `sqlite3` package. One connection serves the whole process: every query and
 * every transaction takes it in turn (first come, first served), so writers are serialised and a
 * transaction never interleaves with another caller's statements. A second connection checkpoints the
 * write-ahead log in the background, so no statement waits while the log is copied and synced into
 * the database file (SQLite would otherwise do it inside whichever commit passes 1,000 pages).
 */
export class Sqlite3Dialect implements Dialect {
	constructor(private readonly config: Sqlite3DialectConfig) {}

	createDriver(): Driver {
		return new Sqlite3Driver(this.config);
	}
	createQueryCompiler(): QueryCompiler {
		return new SqliteQueryCompiler();
	}
	createAdapter(): DialectAdapter {
		return new SqliteAdapter();
	}
	createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
		return new SqliteIntrospector(db);
	}
}

class Sqlite3Driver implements Driver {
	private connection: Sqlite3Connection | undefined;
	private checkpointer: Checkpointer | undefined;
	private readonly lock = new FifoLock();

	constructor(private readonly config: Sqlite3DialectConfig) {}

	async init(): Promise<void> {
		const database = await openSqlite3(this.config.filename, this.config.mustExist);
		this.connection = new Sqlite3Connection(database);
		await this.connection.exec(`PRAGMA busy_timeout = ${this.config.busyTimeoutMs ?? 5000}`);
		await this.connection.exec('PRAGMA foreign_keys = ON');
		await this.connection.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
		// Lets retention give deleted pages back (incremental vacuum); takes effect on a new database.
		await this.connection.exec('PRAGMA auto_vacuum = INCREMENTAL');
		if (this.config.filename !== ':memory:') {
			await this.connection.exec('PRAGMA journal_mode = WAL');
			await this.connection.exec('PRAGMA synchronous = NORMAL');
			await this.connection.exec(`PRAGMA wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
			this.checkpointer = new Checkpointer(
				new Sqlite3Connection(await openSqlite3(this.config.filename, true)),
				this.config.checkpointEveryMs ?? 1000,
			);
		}
	}

	async acquireConnection(): Promise<DatabaseConnection> {
		await this.lock.acquire();
		if (!this.connection) {
			this.lock.release();
			throw new Error('The database is closed');
		}
		return this.connection;
	}

	async beginTransaction(connection: Sqlite3Connection): Promise<void> {
		// IMMEDIATE takes the write lock up front, so a transaction that reads then writes cannot fail
		// half-way with SQLITE_BUSY because another process (e.g. `workflowops migrate`) wrote meanwhile.
		await connection.exec('BEGIN IMMEDIATE');
		connection.inTransaction = true;
	}

	async commitTransaction(connection: Sqlite3Connection): Promise<void> {
		await connection.exec('COMMIT');
		connection.inTransaction = false;
	}

	async rollbackTransaction(connection: Sqlite3Connection): Promise<void> {
		connection.inTransaction = false;
		try {
			await connection.exec('ROLLBACK');
		} catch (error) {
			// SQLite already rolled back by itself (e.g. after SQLITE_FULL); nothing is left open.
			if (!/no transaction is active/.test(String(error))) throw error;
		}
	}

	async releaseConnection(connection: Sqlite3Connection): Promise<void> {
		try {
			if (connection.inTransaction) await this.rollbackTransaction(connection);
		} finally {
			this.lock.release();
		}
	}

	async destroy(): Promise<void> {
		const connection = this.connection;
		if (!connection) return;
		await this.checkpointer?.close();
		await this.lock.acquire();
		this.connection = undefined;
		try {
			await connection.close();
		} finally {
			this.lock.release();
		}
	}
}

class Sqlite3Connection implements DatabaseConnection {
	inTransaction = false;

	constructor(private readonly database: sqlite3.Database) {}

	executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
		const { sql, parameters } = compiledQuery;
		const values = parameters as unknown[];
		if (returnsRows(compiledQuery)) {
			return new Promise((resolve, reject) => {
				this.database.all(sql, values, (error: Error | null, rows: R[]) => (error ? reject(error) : resolve({ rows })));
			});
		}
		return new Promise((resolve, reject) => {
			this.database.run(sql, values, function (this: sqlite3.RunResult, error: Error | null) {
				if (error) return reject(error);
				resolve({ rows: [], numAffectedRows: BigInt(this.changes), insertId: BigInt(this.lastID) });
			});
		});
	}

	// eslint-disable-next-line require-yield
	async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
		throw new Error('Streaming is not supported by the sqlite3 dialect: page with keyset pagination instead');
	}

	exec(sql: string): Promise<void> {
		return new Promise((resolve, reject) => {
			this.database.exec(sql, (error) => (error ? reject(error) : resolve()));
		});
	}

	close(): Promise<void> {
		return new Promise((resolve, reject) => {
			this.database.close((error) => (error ? reject(error) : resolve()));
		});
	}
}

/** Runs a passive checkpoint now and then: it copies what it can without waiting for, or blocking, anyone. */
class Checkpointer {
	private readonly timer: NodeJS.Timeout;
	private running: Promise<void> | undefined;

	constructor(
		private readonly connection: Sqlite3Connection,
		everyMs: number,
	) {
		this.timer = setInterval(() => {
			if (this.running) return;
			// One that fails is tried again next time; the inline backstop bounds the log meanwhile.
			this.running = connection
				.exec('PRAGMA wal_checkpoint(PASSIVE)')
				.catch(() => undefined)
				.finally(() => (this.running = undefined));
		}, everyMs).unref();
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.running;
		await this.connection.close();
	}
}

function returnsRows(compiledQuery: CompiledQuery): boolean {
	const node = compiledQuery.query as { kind: string; returning?: unknown };
	return node.kind === 'SelectQueryNode' || node.kind === 'RawNode' || node.returning !== undefined;
}

function openSqlite3(filename: string, mustExist = false): Promise<sqlite3.Database> {
	const mode = sqlite3.OPEN_READWRITE | sqlite3.OPEN_FULLMUTEX | (mustExist ? 0 : sqlite3.OPEN_CREATE);
	return new Promise((resolve, reject) => {
		const database = new sqlite3.Database(filename, mode, (error) => (error ? reject(error) : resolve(database)));
	});
}

/** A mutex that hands itself to waiters in arrival order. */
class FifoLock {
	private held = false;
	private readonly waiters: Array<() => void> = [];

	acquire(): Promise<void> {
		if (!this.held) {
			this.held = true;
			return Promise.resolve();
		}
		return new Promise((resolve) => this.waiters.push(resolve));
	}

	release(): void {
		const next = this.waiters.shift();
		if (next) next();
		else this.held = false;
	}
}
