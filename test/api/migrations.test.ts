import { Migrator, sql } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest, openDatabase } from '../../service/db/database';
import { migrations } from '../../service/db/migrations';
import { catchUpSearchIndex } from '../../service/domain/workflows/search-index';

test('0018 gives snapshot items the canonical id of their workflow, following the ids restore moved, and drops workflow_moves', async () => {
	const db = openDatabase(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-migrations-')), 'workflowops.sqlite'));
	try {
		const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
		expect((await migrator.migrateTo('0017_changes')).error).toBeUndefined();
		const at = '2026-01-01T00:00:00.000Z';
		await sql`INSERT INTO environments (id, name, base_url, class, api_key_sealed, notes, created_at, updated_at)
			VALUES ('env', 'prod', 'http://n8n', 'prod', 'sealed', '', ${at}, ${at})`.execute(db);
		await sql`INSERT INTO workflow_contents (content_hash) VALUES ('h')`.execute(db);
		await sql`INSERT INTO workflow_blobs (raw_hash, content_hash, raw) VALUES ('r', 'h', '{}')`.execute(db);
		for (const [id, n8nId] of [
			['moved', 'new-1'],
			['kept', 'wf-2'],
		]) {
			await sql`INSERT INTO canonical_workflows (id, name, status, created_at) VALUES (${id}, ${id}, 'UNMAPPED', ${at})`.execute(
				db,
			);
			await sql`INSERT INTO workflow_inventory (environment_id, n8n_id, canonical_id, name, active, tags, node_types,
				node_count, content_hash, raw_hash) VALUES ('env', ${n8nId}, ${id}, ${id}, 0, '[]', '[]', 0, 'h', 'r')`.execute(db);
		}
		await sql`INSERT INTO snapshots (id, environment_id, label, reason, created_at, workflow_count, selective)
			VALUES ('snap', 'env', '', '', ${at}, 3, 0)`.execute(db);
		for (const n8nId of ['old-1', 'wf-2', 'gone'])
			await sql`INSERT INTO snapshot_items (snapshot_id, n8n_id, name, active, content_hash, raw_hash)
				VALUES ('snap', ${n8nId}, ${n8nId}, 0, 'h', 'r')`.execute(db);
		// Restored twice: old-1 became mid-1, which became new-1.
		await sql`INSERT INTO workflow_moves (environment_id, from_n8n_id, to_n8n_id, moved_at)
			VALUES ('env', 'old-1', 'mid-1', ${at}), ('env', 'mid-1', 'new-1', ${at})`.execute(db);

		expect(await migrateToLatest(db)).toContain('0018_snapshot_canonical_ids');

		const items = await db.selectFrom('snapshot_items').select(['n8n_id', 'canonical_id']).orderBy('n8n_id').execute();
		expect(items).toEqual([
			{ n8n_id: 'gone', canonical_id: null },
			{ n8n_id: 'old-1', canonical_id: 'moved' },
			{ n8n_id: 'wf-2', canonical_id: 'kept' },
		]);
		const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db);
		expect(tables.rows.map((row) => row.name)).not.toContain('workflow_moves');
	} finally {
		await db.destroy();
	}
});

test('0020 marks the workflows already in the inventory for the search index, and every later write too', async () => {
	const db = openDatabase(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-migrations-')), 'workflowops.sqlite'));
	try {
		const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
		expect((await migrator.migrateTo('0019_disabled_users')).error).toBeUndefined();
		const at = '2026-01-01T00:00:00.000Z';
		const raw = JSON.stringify({
			nodes: [
				{
					name: 'Fetch invoices',
					parameters: { url: 'https://erp.example.com/invoices', options: { headers: ['X-Tenant acme'] } },
					credentials: { httpHeaderAuth: { id: 'c1', name: 'ERP key' } },
				},
			],
		});
		await sql`INSERT INTO environments (id, name, base_url, class, api_key_sealed, notes, created_at, updated_at)
			VALUES ('env', 'prod', 'http://n8n', 'prod', 'sealed', '', ${at}, ${at})`.execute(db);
		await sql`INSERT INTO workflow_contents (content_hash) VALUES ('h')`.execute(db);
		await sql`INSERT INTO workflow_blobs (raw_hash, content_hash, raw) VALUES ('r', 'h', ${raw})`.execute(db);
		await sql`INSERT INTO canonical_workflows (id, name, status, created_at) VALUES ('c', 'Billing', 'UNMAPPED', ${at})`.execute(
			db,
		);
		await sql`INSERT INTO workflow_inventory (environment_id, n8n_id, canonical_id, name, active, tags, node_types,
			node_count, content_hash, raw_hash) VALUES ('env', 'wf', 'c', 'Billing', 0, '["finance"]',
			'["n8n-nodes-base.httpRequest"]', 1, 'h', 'r')`.execute(db);

		expect(await migrateToLatest(db)).toContain('0020_workflow_search');
		expect(await catchUpSearchIndex(db)).toBe(1);

		const match = async (query: string) =>
			(
				await sql<{ n8n_id: string }>`SELECT n8n_id FROM workflow_search_text
				JOIN workflow_search_rows ON workflow_search_rows.document_id = workflow_search_text.rowid
				WHERE workflow_search_text MATCH ${query} ORDER BY n8n_id`.execute(db)
			).rows.map((row) => row.n8n_id);
		for (const query of [
			'billing',
			'nodes : httprequest',
			'nodes : fetch',
			'tags : finance',
			'credentials : "ERP key"',
			'acme',
			'invoices',
		])
			expect([query, await match(query)]).toEqual([query, ['wf']]);
		expect(await match('credentials : acme')).toEqual([]);
		const count = async (table: string) =>
			(await sql<{ count: number }>`SELECT count(*) AS count FROM ${sql.table(table)}`.execute(db)).rows[0].count;

		// The same workflow in another environment is the same document, indexed once.
		await sql`INSERT INTO environments (id, name, base_url, class, api_key_sealed, notes, created_at, updated_at)
			VALUES ('env2', 'dev', 'http://n8n-dev', 'dev', 'sealed', '', ${at}, ${at})`.execute(db);
		await sql`INSERT INTO workflow_inventory (environment_id, n8n_id, canonical_id, name, active, tags, node_types,
			node_count, content_hash, raw_hash) VALUES ('env2', 'wf2', 'c', 'Billing', 0, '["finance"]',
			'["n8n-nodes-base.httpRequest"]', 1, 'h', 'r')`.execute(db);
		await catchUpSearchIndex(db);
		expect(await match('billing')).toEqual(['wf', 'wf2']);
		expect([await count('workflow_search_rows'), await count('workflow_search_documents')]).toEqual([2, 1]);
		await sql`DELETE FROM environments WHERE id = 'env2'`.execute(db);
		await catchUpSearchIndex(db);
		expect(await match('billing')).toEqual(['wf']);

		await sql`UPDATE workflow_inventory SET name = 'Payroll'`.execute(db);
		await catchUpSearchIndex(db);
		expect(await match('billing')).toEqual([]);
		expect(await match('payroll')).toEqual(['wf']);
		// An upsert too (its conflict policy must not fail the trigger's own insert).
		await sql`INSERT INTO workflow_inventory (environment_id, n8n_id, canonical_id, name, active, tags, node_types,
			node_count, content_hash, raw_hash) VALUES ('env', 'wf', 'c', 'Salaries', 0, '[]', '[]', 1, 'h', 'r')
			ON CONFLICT (environment_id, n8n_id) DO UPDATE SET name = excluded.name`.execute(db);
		await catchUpSearchIndex(db);
		expect(await match('payroll')).toEqual([]);
		expect(await match('salaries')).toEqual(['wf']);
		await sql`DELETE FROM environments`.execute(db);
		await catchUpSearchIndex(db);
		expect(await match('salaries')).toEqual([]);
		expect([await count('workflow_search_rows'), await count('workflow_search_documents')]).toEqual([0, 0]);
		expect(await count('workflow_search_text')).toBe(0);
	} finally {
		await db.destroy();
	}
});
