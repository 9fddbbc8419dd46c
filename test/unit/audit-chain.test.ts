import sqlite3 from 'sqlite3';
import { appendAudit, type AuditContext, verifyAuditChain } from '../../service/domain/audit/audit-log';
import { sql } from 'kysely';
import { tempDatabase } from '../support/temp-db';
import { onPostgres } from '../support/test-database';

const context: AuditContext = {
	actor: { type: 'user', id: 'u1', name: 'ann@example.com' },
	ip: '127.0.0.1',
	userAgent: 'jest',
};

async function seeded(count: number) {
	const temp = await tempDatabase();
	for (let i = 0; i < count; i++) {
		await temp.db
			.transaction()
			.execute((trx) => appendAudit(trx, context, { action: 'thing.happen', resourceId: String(i), metadata: { i } }));
	}
	return temp;
}

/**
 * Tampers with the log the way someone with access to the database would: on SQLite another connection
 * to the file with the triggers dropped, on PostgreSQL with the triggers disabled.
 */
async function tamper({ db, file }: Awaited<ReturnType<typeof tempDatabase>>, statement: string): Promise<void> {
	if (onPostgres()) {
		await sql`alter table audit_log disable trigger user`.execute(db);
		await sql.raw(statement).execute(db);
		await sql`alter table audit_log enable trigger user`.execute(db);
		return;
	}
	const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
		const handle = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(handle)));
	});
	const exec = (text: string) =>
		new Promise<void>((resolve, reject) => raw.exec(text, (error) => (error ? reject(error) : resolve())));
	await exec('PRAGMA busy_timeout = 2000; DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
	await exec(statement);
	await new Promise<void>((resolve) => raw.close(() => resolve()));
}

test('an untouched chain verifies, every entry checked', async () => {
	const { db, remove } = await seeded(5);
	expect(await verifyAuditChain(db)).toEqual({ valid: true, checked: 5 });
	await remove();
});

test('an empty log verifies', async () => {
	const { db, remove } = await seeded(0);
	expect(await verifyAuditChain(db)).toEqual({ valid: true, checked: 0 });
	await remove();
});

test('each entry links to the one before', async () => {
	const { db, remove } = await seeded(3);
	const rows = await db.selectFrom('audit_log').selectAll().orderBy('id').execute();
	expect(rows[0].prev_hash).toBe('0'.repeat(64));
	expect(rows[1].prev_hash).toBe(rows[0].hash);
	expect(rows[2].prev_hash).toBe(rows[1].hash);
	await remove();
});

test('the database itself refuses UPDATE and DELETE on the audit log', async () => {
	const { db, remove } = await seeded(2);
	await expect(db.updateTable('audit_log').set({ action: 'x' }).where('id', '=', 1).execute()).rejects.toThrow(
		'audit_log is append-only',
	);
	await expect(db.deleteFrom('audit_log').where('id', '=', 1).execute()).rejects.toThrow('audit_log is append-only');
	await remove();
});

test.each([
	[
		'editing a field',
		"UPDATE audit_log SET action = 'nothing.happened' WHERE id = 3",
		3,
		'its content does not match its hash',
	],
	[
		'editing metadata',
		`UPDATE audit_log SET metadata = '{"i":99}' WHERE id = 1`,
		1,
		'its content does not match its hash',
	],
	[
		're-hashing an edited row',
		"UPDATE audit_log SET hash = CASE WHEN substr(hash, 1, 1) = 'f' THEN 'e' ELSE 'f' END || substr(hash, 2) WHERE id = 2",
		2,
		'its content does not match its hash',
	],
	['deleting a row in the middle', 'DELETE FROM audit_log WHERE id = 3', 4, 'entries 3 to 3 are missing'],
	['deleting the first row', 'DELETE FROM audit_log WHERE id = 1', 2, 'entries 1 to 1 are missing'],
	['deleting the last row', 'DELETE FROM audit_log WHERE id = 5', 5, 'entries after 4 are missing'],
	['deleting the last two rows', 'DELETE FROM audit_log WHERE id >= 4', 4, 'entries after 3 are missing'],
])('%s directly in the database is detected', async (_what, statement, firstBrokenId, reason) => {
	const temp = await seeded(5);
	await tamper(temp, statement);
	const { db, remove } = temp;
	expect(await verifyAuditChain(db)).toMatchObject({ valid: false, firstBrokenId, reason });
	await remove();
});

test('an append after a deleted tail still leaves the deletion visible', async () => {
	const temp = await seeded(3);
	const { db, remove } = temp;
	await tamper(temp, 'DELETE FROM audit_log WHERE id = 3');
	await db.transaction().execute((trx) => appendAudit(trx, context, { action: 'later' }));
	expect(await verifyAuditChain(db)).toMatchObject({ valid: false, firstBrokenId: 4 });
	await remove();
});

test('concurrent appends keep one unbroken chain', async () => {
	const { db, remove } = await seeded(0);
	await Promise.all(
		Array.from({ length: 50 }, (_, i) =>
			db.transaction().execute((trx) => appendAudit(trx, context, { action: `a${i}` })),
		),
	);
	expect(await verifyAuditChain(db)).toEqual({ valid: true, checked: 50 });
	const { rows } = await sql<{ n: number }>`select count(distinct prev_hash) as n from audit_log`.execute(db);
	expect(rows[0].n).toBe(50);
	await remove();
});

test('an entry rolled back with its change leaves no trace in the chain', async () => {
	const { db, remove } = await seeded(2);
	await expect(
		db.transaction().execute(async (trx) => {
			await appendAudit(trx, context, { action: 'will.fail' });
			throw new Error('the change failed');
		}),
	).rejects.toThrow('the change failed');
	await db.transaction().execute((trx) => appendAudit(trx, context, { action: 'after' }));
	expect(await verifyAuditChain(db)).toEqual({ valid: true, checked: 3 });
	await remove();
});

test('many entries appended at once are chained in order, across insert chunks', async () => {
	const { appendAuditEntries } = await import('../../service/domain/audit/audit-log');
	const { db, remove } = await seeded(1);
	const entries = Array.from({ length: 1200 }, (_, i) => ({ context, event: { action: 'bulk', metadata: { i } } }));
	const rows = await db.transaction().execute((trx) => appendAuditEntries(trx, entries));
	expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 2));
	expect(await verifyAuditChain(db)).toEqual({ valid: true, checked: 1201 });
	await remove();
});
