import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../service/db/database';
import { appendAudit, verifyAuditChain } from '../../service/domain/audit/audit-log';
import { SecretBox, storedSecrets } from '../../service/domain/secrets';
import { searchWorkflows } from '../../service/domain/workflows/search';
import { CLI_CONTEXT } from '../../service/runtime';
import { runCli } from '../support/cli';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { onPostgres, testDatabase } from '../support/test-database';
import { httpWorkflow } from '../support/workflows';

// A copy from SQLite to PostgreSQL: it needs the cluster of the PostgreSQL projects.
const onPostgresOnly = onPostgres() ? describe : describe.skip;
jest.setTimeout(60_000);

onPostgresOnly('workflowops db copy', () => {
	let setup: Awaited<ReturnType<typeof companionWithDevAndProd>>;
	let dataDir: string;
	const copy = (from: string, to: string, key = setup.companion.encryptionKey) =>
		runCli(['db', 'copy', '--from', from, '--to', to], {
			WORKFLOWOPS_DATA_DIR: dataDir,
			WORKFLOWOPS_ENCRYPTION_KEY: key.toString('hex'),
		});
	const counts = async (db: Db, tables: string[]) =>
		Object.fromEntries(
			await Promise.all(
				tables.map(async (table) => [
					table,
					(await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0].n,
				]),
			),
		);

	beforeAll(async () => {
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-copy-'));
		const dev = fakeWorkflowStore(Array.from({ length: 30 }, (_, i) => httpWorkflow(i)));
		const prod = fakeWorkflowStore(Array.from({ length: 20 }, (_, i) => httpWorkflow(i)));
		setup = await companionWithDevAndProd(dev, prod, { onSqlite: true });
		const { companion, admin } = setup;
		expect(companion.db.getExecutor().adapter.constructor.name).toBe('SqliteAdapter');
		await companion.api(admin, 'POST', `/api/v1/environments/${setup.prod}/baseline`, {});
		await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId: setup.prod, label: 'before the move' });
		await companion.api(admin, 'POST', '/api/v1/webhooks', {
			url: 'http://127.0.0.1:9/hook',
			events: ['drift.detected'],
		});
		for (let i = 0; i < 5; i++)
			await companion.api(admin, 'POST', '/api/v1/audit', { action: 'moved', metadata: { i } });
	});
	afterAll(async () => {
		await setup.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	test('copies everything into an empty database: same rows, the audit chain verifies, every secret opens', async () => {
		const target = await testDatabase('', 'postgres');
		try {
			const { code, stdout, stderr } = await copy(setup.companion.databaseFile, target.url!);
			expect([code, stderr]).toEqual([0, '']);
			expect(stdout).toContain('Copied audit_log: ');
			expect(stdout).toMatch(/audit log of \d+ entries verified, 3 secret\(s\) opened with the key/);
			expect(stdout).not.toContain(new URL(target.url!).password || 'no password in the test URL');

			const tables = (
				await sql<{ name: string }>`select name from sqlite_master where type = 'table'
					and name not like 'sqlite_%' and name not like 'kysely_%' and name not like 'workflow_search_%'`.execute(
					setup.companion.db,
				)
			).rows.map((row) => row.name);
			expect(tables.length).toBeGreaterThan(40);
			expect(await counts(target.db, tables)).toEqual(await counts(setup.companion.db, tables));
			const source = await verifyAuditChain(setup.companion.db);
			expect(await verifyAuditChain(target.db)).toEqual(source);
			const secrets = new SecretBox(setup.companion.encryptionKey);
			const opened = (await storedSecrets(target.db)).map((sealed) => secrets.open(sealed));
			expect([opened.length, opened.filter((secret) => secret === 'k').length]).toEqual([3, 2]);

			// What is added afterwards is numbered after what was copied, and the chain goes on.
			const identities = await sql<{ table_name: string; column_name: string }>`
				select table_name, column_name from information_schema.columns
				where table_schema = current_schema() and is_identity = 'YES'`.execute(target.db);
			for (const { table_name: table, column_name: column } of identities.rows) {
				const { rows } = await sql<{ highest: number; next: number }>`select
					coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) as highest,
					nextval(pg_get_serial_sequence(${table}, ${column})) as next`.execute(target.db);
				expect([table, rows[0].next > rows[0].highest]).toEqual([table, true]);
			}
			await target.db.transaction().execute((trx) => appendAudit(trx, CLI_CONTEXT, { action: 'after.the.move' }));
			expect(await verifyAuditChain(target.db)).toEqual({ valid: true, checked: source.checked + 1 });

			// The search index is built again on the target, from the copied inventory.
			const found = await searchWorkflows(target.db, { q: 'name:workflow', limit: 100 });
			expect(found.data).toHaveLength(50);
		} finally {
			await target.drop();
		}
	});

	test('refuses, writing nothing: a database not empty, another key, a wrong or unreachable target', async () => {
		const target = await testDatabase('', 'postgres');
		const tables = ['environments', 'audit_log', 'snapshots'];
		try {
			const otherKey = Buffer.alloc(32, 7);
			expect(await copy(setup.companion.databaseFile, target.url!, otherKey)).toMatchObject({
				code: 1,
				stderr:
					'the key is not the one the secrets of the SQLite database were sealed with: give the key of the installation it comes from\n',
			});
			expect(Object.values(await counts(target.db, tables))).toEqual([0, 0, 0]);

			expect((await copy(setup.companion.databaseFile, target.url!)).code).toBe(0);
			const copied = await counts(target.db, tables);
			expect(await copy(setup.companion.databaseFile, target.url!)).toMatchObject({
				code: 1,
				stderr: 'the PostgreSQL database is not empty (api_tokens has rows): copy into a new, empty database\n',
			});
			expect(await counts(target.db, tables)).toEqual(copied);
		} finally {
			await target.drop();
		}
		const unreachable = 'postgres://someone:hunter2@127.0.0.1:9/nowhere';
		const refused = await copy(setup.companion.databaseFile, unreachable);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/^Cannot reach PostgreSQL at postgres:\/\/someone@127\.0\.0\.1:9\/nowhere: /);
		expect(refused.stderr).not.toContain('hunter2');
		expect(await copy(setup.companion.databaseFile, 'mysql://x')).toMatchObject({
			code: 1,
			stderr: '--to: must be a postgres:// URL\n',
		});
		expect(await copy(path.join(dataDir, 'none.sqlite'), unreachable)).toMatchObject({
			code: 1,
			stderr: `--from: no SQLite database at ${path.join(dataDir, 'none.sqlite')}\n`,
		});
		expect((await runCli(['db', 'copy'], { WORKFLOWOPS_DATA_DIR: dataDir })).stderr).toMatch(
			/^--from and --to are required\n\nUsage: workflowops db copy --from <sqlite file> --to <postgres url>/,
		);
	});
});
