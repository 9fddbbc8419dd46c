import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backupDatabase, restoreDatabase, scheduledBackup } from '../../service/backup';
import { openDatabase } from '../../service/db/database';
import { type Companion, startCompanion } from '../support/companion';
import { closedPort } from '../support/fake-n8n';

let companion: Companion;
let admin: string;
let scratch: string;
beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
	scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-backup-'));
	const port = await closedPort();
	for (const name of ['dev', 'staging', 'prod'])
		await companion.environment(admin, { name, baseUrl: `http://127.0.0.1:${port}`, apiKey: `key-of-${name}` });
	await companion.api(admin, 'POST', '/api/v1/webhooks', {
		url: 'http://127.0.0.1:9/hook',
		events: ['drift.detected'],
	});
});
afterAll(async () => {
	await companion.close();
	fs.rmSync(scratch, { recursive: true, force: true });
});

const restoreInto = (name: string, file: string, encryptionKey: Buffer | null = companion.encryptionKey) => {
	const dataDir = path.join(scratch, name);
	return {
		dataDir,
		restored: restoreDatabase(
			{ dataDir, databaseFile: path.join(dataDir, 'workflowops.sqlite'), encryptionKey: encryptionKey ?? undefined },
			file,
		),
	};
};

test('a backup taken while audit entries are appended restores with an unbroken chain and every secret readable', async () => {
	const file = path.join(scratch, 'live.sqlite');
	// A second connection, as `workflowops backup` opens while the companion serves.
	const reader = openDatabase(companion.databaseFile, { mustExist: true });
	let appending = true;
	const appended: number[] = [];
	const appends = (async () => {
		for (let i = 0; appending || i < 20; i++) {
			const { status } = await companion.api(admin, 'POST', '/api/v1/audit', { action: 'load', metadata: { i } });
			appended.push(status);
		}
	})();
	await new Promise((resolve) => setTimeout(resolve, 50));
	const { bytes } = await backupDatabase(reader, file);
	appending = false;
	await appends;
	await reader.destroy();
	expect(bytes).toBeGreaterThan(0);
	expect(appended.every((status) => status === 201)).toBe(true);
	expect(fs.statSync(file).mode & 0o777).toBe(0o600);

	const { dataDir, restored } = restoreInto('restored', file);
	const report = await restored;
	expect(report.secrets).toBe(4); // three API keys and the webhook's secret
	expect(report.audit.valid).toBe(true);
	expect(report.audit.checked).toBeGreaterThan(4);
	expect(report.migrated).toEqual([]);
	expect(fs.statSync(path.join(dataDir, 'workflowops.sqlite')).mode & 0o777).toBe(0o600);
	// The live one went on: it holds at least what the backup holds.
	expect((await companion.api(admin, 'GET', '/api/v1/audit/verify')).body.checked).toBeGreaterThanOrEqual(
		report.audit.checked,
	);
});

test('a restore refuses, leaving nothing, without the key, with another key, over a database, or from a file that is not one', async () => {
	const file = path.join(scratch, 'again.sqlite');
	await backupDatabase(companion.db, file);
	await expect(backupDatabase(companion.db, file)).rejects.toThrow(`${file} exists already: name a new file`);

	const noKey = restoreInto('no-key', file, null);
	await expect(noKey.restored).rejects.toThrow(/holds sealed secrets but there is no key/);
	expect(fs.existsSync(path.join(noKey.dataDir, 'workflowops.sqlite'))).toBe(false);
	const wrongKey = restoreInto('wrong-key', file, Buffer.alloc(32, 7));
	await expect(wrongKey.restored).rejects.toThrow(/not the one the secrets of the backup were sealed with/);
	expect(fs.readdirSync(wrongKey.dataDir)).toEqual([]);

	const first = restoreInto('twice', file);
	await first.restored;
	await expect(restoreInto('twice', file).restored).rejects.toThrow(
		/exists: a backup is restored into an empty data directory/,
	);
	const text = path.join(scratch, 'notes.txt');
	fs.writeFileSync(text, 'hello');
	await expect(restoreInto('text', text).restored).rejects.toThrow(`${text} is not a WorkflowOps backup`);
});

test('scheduled backups go into the backups directory, each named by its time; the oldest beyond the count are deleted', async () => {
	const dir = path.join(scratch, 'backups');
	const made: string[] = [];
	for (let i = 0; i < 3; i++) {
		made.push(await scheduledBackup(companion.db, { dir, keep: 2 }));
		await new Promise((resolve) => setTimeout(resolve, 5)); // names differ by their time
	}
	expect(fs.readdirSync(dir).sort()).toEqual(made.slice(1).map((file) => path.basename(file)));
	expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
});

test('the scheduler takes them on WORKFLOWOPS_BACKUP_CRON', async () => {
	const dir = path.join(scratch, 'scheduled');
	const scheduled = await startCompanion({ scheduler: { backups: { cron: '* * * * * *', keep: 3, dir } } });
	try {
		for (const started = Date.now(); !fs.existsSync(dir) || !fs.readdirSync(dir).length;) {
			if (Date.now() - started > 5000) throw new Error('no backup within 5 s');
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		expect(fs.readdirSync(dir)[0]).toMatch(/^workflowops-\d{4}-\d\d-\d\dT.*\.sqlite$/);
	} finally {
		await scheduled.close();
	}
});
