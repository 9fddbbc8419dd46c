import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest, openDatabase } from '../../service/db/database';
import { signedAuditExport } from '../../service/domain/audit/audit-export';
import { appendAudit } from '../../service/domain/audit/audit-log';
import { migrations } from '../../service/db/migrations';
import { createEnvironment } from '../../service/domain/environments/environments';
import { SecretBox } from '../../service/domain/secrets';
import { PACKAGE_VERSION } from '../../service/package-root';
import { CLI_CONTEXT } from '../../service/runtime';
import { runCli, startCli } from '../support/cli';
import { closedPort, startFakeN8n } from '../support/fake-n8n';
import { onPostgres, testDatabase } from '../support/test-database';
import { fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

// Each CLI call starts Node and compiles TypeScript: seconds apiece on a busy machine.
jest.setTimeout(60_000);

let dataDir: string;

beforeEach(() => {
	dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-cli-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const start = (args: string[], env: Record<string, string> = {}) =>
	startCli(args, { HOME: dataDir, WORKFLOWOPS_DATA_DIR: dataDir, ...env });
const run = (args: string[], env: Record<string, string> = {}) =>
	runCli(args, { HOME: dataDir, WORKFLOWOPS_DATA_DIR: dataDir, ...env });

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

test('a bad variable stops start-up with one line naming it', async () => {
	const { code, stderr } = await run(['serve'], { WORKFLOWOPS_PORT: 'eighty' });
	expect(code).toBe(1);
	expect(stderr.trim()).toBe(
		'Configuration error:\nWORKFLOWOPS_PORT: must be a whole number between 1 and 65535 (got "eighty")',
	);
});

test('migrate, user add, token create and check', async () => {
	expect(await run(['migrate'])).toMatchObject({ code: 0, stdout: `Applied ${Object.keys(migrations).join(', ')}\n` });
	expect(await run(['migrate'])).toMatchObject({ code: 0, stdout: 'The database is up to date\n' });

	const added = await run(['user', 'add', '--email', 'ops@example.com', '--role', 'admin']);
	expect(added.code).toBe(0);
	expect(added.stdout).toMatch(/^Added ops@example.com \(admin\)\nPassword \(shown once\): \S{20}\n$/);
	const duplicate = await run([
		'user',
		'add',
		'--email',
		'ops@example.com',
		'--role',
		'admin',
		'--password',
		'a long password',
	]);
	expect(duplicate).toMatchObject({ code: 1, stderr: 'A user with the email ops@example.com already exists\n' });
	const badRole = await run(['user', 'add', '--email', 'x@example.com', '--role', 'boss']);
	expect(badRole).toMatchObject({ code: 1, stderr: '--role: must be viewer, developer or admin\n' });

	const token = await run(['token', 'create', '--name', 'n8n prod', '--role', 'developer']);
	expect(token.stdout).toMatch(/^Created token "n8n prod" \(developer\)\. It is shown this once:\nwfo_[\w-]{43}\n$/);

	const check = await run(['check']);
	expect(check.code).toBe(0);
	expect(check.stdout).toContain('Configuration OK');
	expect(check.stdout).toContain('schema up to date, 1 user(s)');

	expect(await run(['frobnicate'])).toMatchObject({
		code: 1,
		stderr: expect.stringContaining('Unknown command "frobnicate"'),
	});
});

test('serve: creates the key file (0600) and the headless admin, says where to go, and shuts down gracefully', async () => {
	const port = await closedPort();
	const fake = await startFakeN8n(() => ({ status: 200, body: { data: [] }, delayMs: 1500 }));
	const server = start(['serve'], {
		WORKFLOWOPS_PORT: String(port),
		WORKFLOWOPS_ADMIN_EMAIL: 'boot@example.com',
		WORKFLOWOPS_ADMIN_PASSWORD: 'a long password',
	});
	try {
		await waitFor(() => server.output().includes('Sign in at'), 'the companion to start');
		expect(server.output()).toContain(`WorkflowOps companion is running on http://localhost:${port}`);
		expect(fs.statSync(path.join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);

		const token = (await run(['token', 'create', '--name', 'shutdown', '--role', 'admin'])).stdout
			.trim()
			.split('\n')[1];
		const api = (method: string, apiPath: string, body?: unknown) =>
			fetch(`http://127.0.0.1:${port}/api/v1${apiPath}`, {
				method,
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		const users = (await (await api('GET', '/users')).json()) as any;
		expect(users.data.map((u: { email: string }) => u.email)).toEqual(['boot@example.com']);
		const environment = (await (
			await api('POST', '/environments', { name: 'slow', baseUrl: fake.url, class: 'prod', apiKey: 'k' })
		).json()) as any;

		// A slow request is in flight when SIGTERM arrives: it finishes, then the process exits cleanly.
		const inFlight = api('POST', `/environments/${environment.id}/test`);
		await new Promise((resolve) => setTimeout(resolve, 300));
		server.kill('SIGTERM');
		const response = await inFlight;
		expect(response.status).toBe(200);
		expect(((await response.json()) as any).ok).toBe(true);
		const code = await new Promise((resolve) => server.on('exit', resolve));
		expect(code).toBe(0);
		// The database was closed cleanly: the WAL was checkpointed and removed.
		expect(fs.existsSync(path.join(dataDir, 'workflowops.sqlite-wal'))).toBe(false);
	} finally {
		server.kill('SIGKILL');
		await fake.close();
	}
});

test('serve on a fresh data dir creates it private and points to the owner set-up', async () => {
	const port = await closedPort();
	const fresh = path.join(dataDir, 'new', 'data');
	const server = start(['serve'], { WORKFLOWOPS_PORT: String(port), WORKFLOWOPS_DATA_DIR: fresh });
	try {
		await waitFor(() => server.output().includes('Next:'), 'the companion to start');
		expect(server.output()).toContain(`Next: open http://localhost:${port}/setup to create the owner account`);
		expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
	} finally {
		server.kill('SIGTERM');
		await new Promise((resolve) => server.on('exit', resolve));
	}
});

test("migrate and check name the database they use, its engine and version (this project's SQLite or PostgreSQL)", async () => {
	const database = await testDatabase(path.join(dataDir, 'workflowops.sqlite'));
	await database.db.destroy();
	try {
		const env: Record<string, string> = database.url ? { WORKFLOWOPS_DATABASE_URL: database.url } : {};
		expect(await run(['migrate'], env)).toMatchObject({ code: 0, stdout: 'The database is up to date\n' });
		const { code, stdout } = await run(['check'], env);
		expect(code).toBe(0);
		expect(stdout).toMatch(
			onPostgres() ? /\(PostgreSQL \d+\.\d+\): schema up to date/ : /\(SQLite 3\.\d+\.\d+\): schema up to date/,
		);
	} finally {
		await database.drop();
	}
});

test('PostgreSQL that cannot be reached stops check and migrate with one line that never shows the password', async () => {
	const url = `postgres://wfo:hunter2-secret@127.0.0.1:${await closedPort()}/workflowops`;
	for (const command of ['check', 'migrate']) {
		const { code, stdout, stderr } = await run([command], { WORKFLOWOPS_DATABASE_URL: url });
		expect(code).toBe(1);
		expect(stderr).toMatch(
			/^Cannot reach PostgreSQL at postgres:\/\/wfo@127\.0\.0\.1:\d+\/workflowops: .*ECONNREFUSED/,
		);
		expect(stdout + stderr).not.toContain('hunter2');
	}
	const backup = await run(['backup', path.join(dataDir, 'copy.sqlite')], { WORKFLOWOPS_DATABASE_URL: url });
	expect(backup).toMatchObject({
		code: 1,
		stderr: expect.stringContaining('on PostgreSQL, use pg_dump and pg_restore'),
	});
});

test('check creates nothing: a data directory that does not exist, or cannot, is reported, not made', async () => {
	const absent = path.join(dataDir, 'not-yet');
	const fresh = await run(['check'], { WORKFLOWOPS_DATA_DIR: absent });
	expect(fresh).toMatchObject({
		code: 0,
		stdout: expect.stringContaining(`No database at ${absent}/workflowops.sqlite yet`),
	});
	expect(fs.existsSync(absent)).toBe(false);
	const impossible = await run(['check'], { WORKFLOWOPS_DATA_DIR: '/proc/nope' });
	expect(impossible).toMatchObject({ code: 0, stdout: expect.stringContaining('No database at /proc/nope/') });
});

test('a key other than the one the stored secrets were sealed with stops check and serve with one line', async () => {
	const keyA = '11'.repeat(32);
	expect((await run(['migrate'], { WORKFLOWOPS_ENCRYPTION_KEY: keyA })).code).toBe(0);
	const db = openDatabase(path.join(dataDir, 'workflowops.sqlite'));
	await createEnvironment(
		{
			db,
			secrets: new SecretBox(Buffer.from(keyA, 'hex')),
			n8nClient: () => undefined as never,
			events: { emit: async () => {} } as never,
			replicaId: 'cli',
			clock: () => new Date(),
		},
		CLI_CONTEXT,
		{ name: 'prod', baseUrl: 'http://127.0.0.1:1', class: 'prod', apiKey: 'n8n-secret-key', notes: '' },
	);
	await db.destroy();

	expect(await run(['check'], { WORKFLOWOPS_ENCRYPTION_KEY: keyA })).toMatchObject({
		code: 0,
		stdout: expect.stringContaining('the encryption key opens the stored secrets'),
	});
	const wrong = { WORKFLOWOPS_ENCRYPTION_KEY: '22'.repeat(32), WORKFLOWOPS_PORT: String(await closedPort()) };
	const expected = `WORKFLOWOPS_ENCRYPTION_KEY is not the key the secrets in ${dataDir}/workflowops.sqlite were sealed with: set the key they were stored with\n`;
	expect(await run(['check'], wrong)).toMatchObject({ code: 1, stderr: expected });
	expect(await run(['serve'], wrong)).toMatchObject({ code: 1, stderr: expected });
	// Without the variable, the key file (created now, so not the one used) is named instead.
	expect((await run(['serve'], { WORKFLOWOPS_PORT: wrong.WORKFLOWOPS_PORT })).stderr).toBe(
		`${dataDir}/encryption.key is not the key the secrets in ${dataDir}/workflowops.sqlite were sealed with: set the key they were stored with\n`,
	);
});

test('the first start seals a secret with its key: a replica started with another key is refused before any API key is stored', async () => {
	const first = { WORKFLOWOPS_ENCRYPTION_KEY: '11'.repeat(32) };
	expect((await run(['token', 'create', '--name', 'first', '--role', 'admin'], first)).code).toBe(0);
	const other = { WORKFLOWOPS_ENCRYPTION_KEY: '22'.repeat(32), WORKFLOWOPS_PORT: String(await closedPort()) };
	expect(await run(['serve'], other)).toMatchObject({
		code: 1,
		stderr: `WORKFLOWOPS_ENCRYPTION_KEY is not the key the secrets in ${dataDir}/workflowops.sqlite were sealed with: set the key they were stored with\n`,
	});
});

test('the database files are private, and a data directory others can read is made private', async () => {
	fs.chmodSync(dataDir, 0o755);
	expect((await run(['migrate'])).code).toBe(0);
	expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
	expect(fs.statSync(path.join(dataDir, 'workflowops.sqlite')).mode & 0o777).toBe(0o600);
});

test('--version, --help per command, and missing options in words', async () => {
	expect((await run(['--version'])).stdout.trim()).toBe(PACKAGE_VERSION);
	const help = await run(['token', 'create', '--help']);
	expect(help.stdout).toBe(
		'Usage: workflowops token create --name N --role R\n\ncreate an API token and print it once\n',
	);
	expect(await run(['user', 'add', '--role', 'admin'])).toMatchObject({ code: 1, stderr: '--email is required\n' });
	expect(await run(['token', 'create'])).toMatchObject({ code: 1, stderr: '--name is required\n--role is required\n' });
});

test('a companion killed during a restore undoes what it wrote at its next start: the job and the audit log say so', async () => {
	const store = fakeWorkflowStore([httpWorkflow(1), httpWorkflow(2)]);
	// The first update lands, the second hangs: the restore is half-way when the companion is killed.
	let puts = 0;
	const n8n = await startFakeN8n((req, url, raw) =>
		req.method === 'PUT' && ++puts === 2 ? { status: 200, body: {}, delayMs: 120_000 } : store.handler(req, url, raw),
	);
	const port = String(await closedPort());
	const serve = () => start(['serve'], { WORKFLOWOPS_PORT: port });
	let server = serve();
	try {
		await waitFor(() => server.output().includes('Next:'), 'the companion to start');
		const token = (await run(['token', 'create', '--name', 'ops', '--role', 'admin'])).stdout.trim().split('\n')[1];
		const api = async (method: string, apiPath: string, body?: unknown) => {
			const response = await fetch(`http://127.0.0.1:${port}/api/v1${apiPath}`, {
				method,
				headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			return (await response.json()) as any;
		};
		const environment = await api('POST', '/environments', {
			name: 'prod',
			baseUrl: n8n.url,
			class: 'dev',
			apiKey: 'k',
		});
		const snapshot = await api('POST', '/snapshots', { environmentId: environment.id, label: 'good' });
		store.reset([httpWorkflow(1, 'https://evil.example.com'), httpWorkflow(2, 'https://evil.example.com')]);
		const job = await api('POST', `/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
		let progress: any = {};
		while (progress.done !== 1) progress = (await api('GET', `/jobs/${job.id}`)).progress;
		expect(JSON.stringify(store.workflows.get('wf-1'))).not.toContain('evil.example.com');
		server.kill('SIGKILL');
		await new Promise((resolve) => server.on('exit', resolve));

		server = serve();
		await waitFor(() => server.output().includes('is running on'), 'the companion to start again');
		const failed = await api('GET', `/jobs/${job.id}`);
		expect(failed).toMatchObject({ status: 'failed' });
		expect(failed.error).toBe(
			`interrupted: the companion stopped while it ran. n8n "prod" was being restored from snapshot "good" (1 of 2 changes made, the next to "Workflow 2"); the companion undoes them at its next start, or another replica at once. Live n8n before the restore is in snapshot ${progress.safetySnapshotId}.`,
		);
		let audit: any;
		await waitFor(async () => {
			audit = await api('GET', '/audit?action=snapshot.restore');
			return audit.data[0]?.metadata.outcome === 'interrupted';
		}, 'the interrupted restore to be undone');
		expect(audit.data[0].metadata).toEqual({
			outcome: 'interrupted',
			jobId: job.id,
			error: failed.error,
			safetySnapshotId: progress.safetySnapshotId,
			undone: true,
			undoFailures: [],
		});
		// Workflow 1 is back as it was before the restore, Workflow 2 was never written.
		for (const id of ['wf-1', 'wf-2']) expect(JSON.stringify(store.workflows.get(id))).toContain('evil.example.com');
	} finally {
		server.kill('SIGKILL');
		await n8n.close();
	}
});

test('audit verify-export checks an export file on its own, and says what is wrong with one', async () => {
	const db = openDatabase(path.join(dataDir, 'export.db'));
	await migrateToLatest(db);
	const secrets = new SecretBox(crypto.randomBytes(32));
	for (const action of ['custom.one', 'custom.two'])
		await db.transaction().execute((trx) => appendAudit(trx, CLI_CONTEXT, { action }));
	let text = '';
	for await (const line of signedAuditExport(db, secrets, CLI_CONTEXT, {})) text += line;
	await db.destroy();
	const file = path.join(dataDir, 'audit.signed.jsonl');
	fs.writeFileSync(file, text);

	const valid = await run(['audit', 'verify-export', file]);
	expect(valid).toMatchObject({
		code: 0,
		stdout: expect.stringMatching(/^Valid: entries 1 to 2, chained and signed by key [0-9a-f]{32}\n$/),
	});
	fs.writeFileSync(file, text.replace('custom.two', 'custom.too'));
	const changed = await run(['audit', 'verify-export', file]);
	expect(changed).toMatchObject({
		code: 1,
		stderr: expect.stringMatching(/^Not valid: entry 2 does not match its hash \(signed by key [0-9a-f]{32}\)\n$/),
	});
	expect(await run(['audit', 'verify-export'])).toMatchObject({
		code: 1,
		stderr: 'The export file is required\n\nUsage: workflowops audit verify-export <file>\n',
	});
	expect(await run(['audit', 'verify-export', path.join(dataDir, 'none.jsonl')])).toMatchObject({
		code: 1,
		stderr: `Cannot read ${path.join(dataDir, 'none.jsonl')}: ENOENT\n`,
	});
	expect((await run(['audit', 'verify-export', '--help'])).stdout).toContain(
		'Usage: workflowops audit verify-export <file>',
	);
});

test('backup and restore: a copy of the database, put back into an empty data directory with its key', async () => {
	expect((await run(['user', 'add', '--email', 'ops@example.com', '--role', 'admin'])).code).toBe(0);
	const file = path.join(dataDir, 'backup.sqlite');
	const backedUp = await run(['backup', file]);
	expect(backedUp).toMatchObject({ code: 0 });
	expect(backedUp.stdout).toContain(`to ${file} (`);
	expect(backedUp.stdout).toContain(`sealed with ${path.join(dataDir, 'encryption.key')}: keep a copy of that key`);
	expect((await run(['backup', file])).stderr).toBe(`${file} exists already: name a new file\n`);

	// The key goes back first: the backup holds the audit export's signing key, sealed with it.
	const elsewhere = path.join(dataDir, 'elsewhere');
	fs.mkdirSync(elsewhere, { mode: 0o700 });
	fs.copyFileSync(path.join(dataDir, 'encryption.key'), path.join(elsewhere, 'encryption.key'));
	const restored = await run(['restore', file], { WORKFLOWOPS_DATA_DIR: elsewhere });
	expect(restored).toMatchObject({
		code: 0,
		stdout: expect.stringMatching(
			/^Restored .*: 1 secret\(s\) opened with the key, audit log of 1 entries verified\.\n$/,
		),
	});
	expect(await run(['restore', file], { WORKFLOWOPS_DATA_DIR: elsewhere })).toMatchObject({
		code: 1,
		stderr: expect.stringContaining('exists: a backup is restored into an empty data directory'),
	});
	expect(await run(['backup'])).toMatchObject({
		code: 1,
		stderr: 'The file is required\n\nUsage: workflowops backup <file>\n',
	});
	expect((await run(['restore', '--help'])).stdout).toContain('Usage: workflowops restore <file>');
});
