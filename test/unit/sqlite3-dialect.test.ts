import { type Generated, Kysely, sql } from 'kysely';
import sqlite3 from 'sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sqlite3Dialect } from '../../service/db/sqlite3-dialect';

interface Schema {
	counter: { id: number; value: number };
	items: { id: Generated<number>; name: string };
}

let dir: string;
let db: Kysely<Schema>;
let file: string;

beforeEach(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-dialect-'));
	file = path.join(dir, 'test.sqlite');
	db = new Kysely<Schema>({ dialect: new Sqlite3Dialect({ filename: file, busyTimeoutMs: 1234 }) });
	await db.schema
		.createTable('counter')
		.addColumn('id', 'integer', (c) => c.primaryKey())
		.addColumn('value', 'integer')
		.execute();
	await db.schema
		.createTable('items')
		.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
		.addColumn('name', 'text', (c) => c.unique())
		.execute();
	await db.insertInto('counter').values({ id: 1, value: 0 }).execute();
});

afterEach(async () => {
	await db.destroy();
	fs.rmSync(dir, { recursive: true, force: true });
});

const pragma = async (name: string) =>
	Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as object)[0];

test('the file is in WAL mode with the busy timeout and foreign keys on', async () => {
	expect(await pragma('journal_mode')).toBe('wal');
	expect(await pragma('busy_timeout')).toBe(1234);
	expect(await pragma('foreign_keys')).toBe(1);
});

test('inserts report the new id and affected rows; selects return rows', async () => {
	const result = await db.insertInto('items').values({ name: 'a' }).executeTakeFirstOrThrow();
	expect(result.insertId).toBe(1n);
	const update = await db.updateTable('items').set({ name: 'b' }).where('id', '=', 1).executeTakeFirstOrThrow();
	expect(update.numUpdatedRows).toBe(1n);
	expect(await db.selectFrom('items').selectAll().execute()).toEqual([{ id: 1, name: 'b' }]);
	expect(await db.insertInto('items').values({ name: 'c' }).returning(['id', 'name']).executeTakeFirst()).toEqual({
		id: 2,
		name: 'c',
	});
});

test('a transaction commits', async () => {
	await db.transaction().execute(async (trx) => {
		await trx.insertInto('items').values({ name: 'kept' }).execute();
	});
	expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'kept' }]);
});

test('a transaction that throws rolls back everything it wrote', async () => {
	await expect(
		db.transaction().execute(async (trx) => {
			await trx.insertInto('items').values({ name: 'gone' }).execute();
			throw new Error('boom');
		}),
	).rejects.toThrow('boom');
	expect(await db.selectFrom('items').selectAll().execute()).toEqual([]);
});

test('a failed statement inside a transaction rolls it back and leaves no transaction open', async () => {
	await db.insertInto('items').values({ name: 'dup' }).execute();
	await expect(
		db.transaction().execute(async (trx) => {
			await trx.insertInto('items').values({ name: 'first' }).execute();
			await trx.insertInto('items').values({ name: 'dup' }).execute();
		}),
	).rejects.toThrow(/UNIQUE constraint failed/);
	expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'dup' }]);
	// A new transaction starts cleanly (no "cannot start a transaction within a transaction").
	await db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'after' }).execute());
	expect(await db.selectFrom('items').select('name').orderBy('id').execute()).toEqual([
		{ name: 'dup' },
		{ name: 'after' },
	]);
});

test('a failed statement outside a transaction leaves the connection usable', async () => {
	await expect(sql`select * from missing_table`.execute(db)).rejects.toThrow(/no such table/);
	expect(await db.selectFrom('counter').select('value').executeTakeFirst()).toEqual({ value: 0 });
});

test('concurrent read-modify-write transactions are serialised: no update is lost', async () => {
	await Promise.all(
		Array.from({ length: 100 }, () =>
			db.transaction().execute(async (trx) => {
				const { value } = await trx.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
				await new Promise((resolve) => setImmediate(resolve));
				await trx
					.updateTable('counter')
					.set({ value: value + 1 })
					.where('id', '=', 1)
					.execute();
			}),
		),
	);
	expect(await db.selectFrom('counter').select('value').executeTakeFirst()).toEqual({ value: 100 });
});

test('statements from outside a running transaction wait for it instead of seeing its writes', async () => {
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	const transaction = db.transaction().execute(async (trx) => {
		await trx.insertInto('items').values({ name: 'pending' }).execute();
		await held;
		throw new Error('rolled back');
	});
	const outside = db.selectFrom('items').selectAll().execute();
	release();
	await expect(transaction).rejects.toThrow('rolled back');
	expect(await outside).toEqual([]);
});

test('a writer in another process waits up to the busy timeout for the lock', async () => {
	const other = await new Promise<sqlite3.Database>((resolve, reject) => {
		const handle = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(handle)));
	});
	const run = (statement: string) =>
		new Promise<void>((resolve, reject) => other.run(statement, (error) => (error ? reject(error) : resolve())));
	await run('BEGIN IMMEDIATE');
	const started = Date.now();
	const write = db.insertInto('items').values({ name: 'waited' }).execute();
	setTimeout(() => void run('COMMIT'), 300);
	await write;
	expect(Date.now() - started).toBeGreaterThanOrEqual(250);
	await new Promise<void>((resolve) => other.close(() => resolve()));
	expect(await db.selectFrom('items').select('name').execute()).toEqual([{ name: 'waited' }]);
});

test('queries after destroy fail clearly', async () => {
	const closing = new Kysely<Schema>({ dialect: new Sqlite3Dialect({ filename: ':memory:' }) });
	await sql`select 1`.execute(closing);
	await closing.destroy();
	await expect(sql`select 1`.execute(closing)).rejects.toThrow();
});

test('the write-ahead log reaches the database file in the background, not inside a commit', async () => {
	const logged = new Kysely<Schema>({ dialect: new Sqlite3Dialect({ filename: file, checkpointEveryMs: 50 }) });
	try {
		expect(Object.values((await sql.raw('PRAGMA wal_autocheckpoint').execute(logged)).rows[0] as object)[0]).toBe(
			10_000,
		);
		const before = fs.statSync(file).size;
		// About 1,500 pages: past the 1,000 at which SQLite would copy the log inside a commit by default.
		for (let batch = 0; batch < 10; batch++)
			await logged
				.insertInto('items')
				.values(Array.from({ length: 30 }, (_, i) => ({ name: `${batch}-${i}-${'x'.repeat(8000)}` })))
				.execute();
		const written = 300 * 8000 * 2;
		for (let waited = 0; fs.statSync(file).size < before + written && waited < 5000; waited += 50)
			await new Promise((resolve) => setTimeout(resolve, 50));
		expect(fs.statSync(file).size).toBeGreaterThanOrEqual(before + written);
	} finally {
		await logged.destroy();
	}
});
