import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../service/config';

const KEY_HEX = 'ab'.repeat(32);

test('defaults: port 5690, data in ~/.workflowops, loopback, key file, info logs', () => {
	const config = loadConfig({});
	expect(config).toMatchObject({
		port: 5690,
		host: '127.0.0.1',
		dataDir: path.join(os.homedir(), '.workflowops'),
		encryptionKey: undefined,
		logLevel: 'info',
		publicUrl: 'http://localhost:5690',
		secureCookies: false,
		initialAdmin: undefined,
	});
	expect(config.databaseFile).toBe(path.join(os.homedir(), '.workflowops', 'workflowops.sqlite'));
});

test('reads every variable', () => {
	const config = loadConfig({
		WORKFLOWOPS_PORT: '8080',
		WORKFLOWOPS_HOST: '0.0.0.0',
		WORKFLOWOPS_DATA_DIR: '/tmp/wfo',
		WORKFLOWOPS_ENCRYPTION_KEY: KEY_HEX,
		WORKFLOWOPS_LOG_LEVEL: 'debug',
		WORKFLOWOPS_PUBLIC_URL: 'https://ops.example.com/',
		WORKFLOWOPS_N8N_CONCURRENCY: '8',
		WORKFLOWOPS_ADMIN_EMAIL: 'Admin@Example.com',
		WORKFLOWOPS_ADMIN_PASSWORD: 'a long password',
	});
	expect(config).toMatchObject({
		port: 8080,
		host: '0.0.0.0',
		dataDir: '/tmp/wfo',
		logLevel: 'debug',
		publicUrl: 'https://ops.example.com',
		secureCookies: true,
		n8nConcurrency: 8,
	});
	expect(config.encryptionKey).toEqual(Buffer.from(KEY_HEX, 'hex'));
	expect(config.initialAdmin).toEqual({ email: 'Admin@Example.com', password: 'a long password' });
});

test('webhooks to private addresses: allowed while the companion is reached on this machine, refused once served to others, or as set', () => {
	expect(loadConfig({}).allowPrivateWebhookTargets).toBe(true);
	expect(loadConfig({ WORKFLOWOPS_PUBLIC_URL: 'https://ops.example.com' }).allowPrivateWebhookTargets).toBe(false);
	expect(
		loadConfig({ WORKFLOWOPS_PUBLIC_URL: 'https://ops.example.com', WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS: 'allow' })
			.allowPrivateWebhookTargets,
	).toBe(true);
	expect(loadConfig({ WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS: 'refuse' }).allowPrivateWebhookTargets).toBe(false);
	expect(() => loadConfig({ WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS: 'maybe' })).toThrow(
		'WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS: must be allow or refuse (got "maybe")',
	);
});

test('scheduled backups: none unless a schedule is set, then into the data directory, the newest 7 kept by default', () => {
	expect(loadConfig({}).backups).toBeUndefined();
	expect(loadConfig({ WORKFLOWOPS_DATA_DIR: '/srv/wfo', WORKFLOWOPS_BACKUP_CRON: '0 2 * * *' }).backups).toEqual({
		cron: '0 2 * * *',
		keep: 7,
		dir: '/srv/wfo/backups',
	});
});

test("a proxy in front: none trusted by default; a number of hops, or the proxies' addresses", () => {
	expect(loadConfig({}).trustProxy).toBeUndefined();
	expect(loadConfig({ WORKFLOWOPS_TRUST_PROXY: '1' }).trustProxy).toBe(1);
	expect(loadConfig({ WORKFLOWOPS_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toEqual([
		'loopback',
		'10.0.0.0/8',
		'fd00::1',
	]);
	const refused = (value: string) =>
		`WORKFLOWOPS_TRUST_PROXY: must be the number of proxies in front (1 to 10), or the proxies' addresses: loopback, uniquelocal, IPs or subnets, comma-separated (got "${value}")`;
	for (const value of ['0', '11', 'true', '10.0.0.0/33', 'nginx', '10.0.0.1/8/8'])
		expect(() => loadConfig({ WORKFLOWOPS_TRUST_PROXY: value })).toThrow(refused(value));
});

test('a base64 key of 32 bytes is accepted', () => {
	const key = Buffer.alloc(32, 7);
	expect(loadConfig({ WORKFLOWOPS_ENCRYPTION_KEY: key.toString('base64') }).encryptionKey).toEqual(key);
});

test.each([
	['WORKFLOWOPS_PORT', 'abc', 'WORKFLOWOPS_PORT: must be a whole number between 1 and 65535 (got "abc")'],
	[
		'WORKFLOWOPS_N8N_CONCURRENCY',
		'0',
		'WORKFLOWOPS_N8N_CONCURRENCY: must be a whole number between 1 and 32 (got "0")',
	],
	['WORKFLOWOPS_PORT', '70000', 'WORKFLOWOPS_PORT: must be a whole number between 1 and 65535 (got "70000")'],
	[
		'WORKFLOWOPS_LOG_LEVEL',
		'loud',
		'WORKFLOWOPS_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
	],
	[
		'WORKFLOWOPS_ENCRYPTION_KEY',
		'short',
		'WORKFLOWOPS_ENCRYPTION_KEY: must be 32 bytes written as 64 hex characters or as base64',
	],
	['WORKFLOWOPS_PUBLIC_URL', 'ftp://x', 'WORKFLOWOPS_PUBLIC_URL: must be an http:// or https:// URL (got "ftp://x")'],
	[
		'WORKFLOWOPS_BACKUP_CRON',
		'nightly',
		'WORKFLOWOPS_BACKUP_CRON: must be a cron expression, e.g. "0 2 * * *" for 02:00 every day (got "nightly")',
	],
	['WORKFLOWOPS_BACKUP_KEEP', '0', 'WORKFLOWOPS_BACKUP_KEEP: must be a whole number between 1 and 1000 (got "0")'],
	[
		'WORKFLOWOPS_DATABASE_URL',
		'mysql://root:hunter2@db/wfo',
		'WORKFLOWOPS_DATABASE_URL: must be a postgres:// URL (leave it unset for the embedded SQLite file)',
	],
])('%s=%s stops start-up with one line naming it, never repeating a secret', (name, value, message) => {
	expect(() => loadConfig({ [name]: value })).toThrow(new ConfigError(message));
});

test('several bad variables give one line each', () => {
	expect(() => loadConfig({ WORKFLOWOPS_PORT: '0', WORKFLOWOPS_LOG_LEVEL: 'x' })).toThrow(
		/^WORKFLOWOPS_PORT: .*\nWORKFLOWOPS_LOG_LEVEL: .*$/,
	);
});

test('the first admin needs both email and password', () => {
	expect(() => loadConfig({ WORKFLOWOPS_ADMIN_EMAIL: 'a@b.co' })).toThrow(
		'set both to create the first admin, or neither',
	);
	expect(() => loadConfig({ WORKFLOWOPS_ADMIN_EMAIL: 'a@b.co', WORKFLOWOPS_ADMIN_PASSWORD: 'short' })).toThrow(
		'WORKFLOWOPS_ADMIN_PASSWORD: must be at least 10 characters',
	);
});

test('WORKFLOWOPS_DATABASE_URL selects PostgreSQL; scheduled backups stay with SQLite', () => {
	const url = 'postgres://wfo:secret@db.internal:5432/workflowops';
	expect(loadConfig({ WORKFLOWOPS_DATABASE_URL: url }).databaseUrl).toBe(url);
	expect(loadConfig({}).databaseUrl).toBeUndefined();
	expect(() => loadConfig({ WORKFLOWOPS_DATABASE_URL: url, WORKFLOWOPS_BACKUP_CRON: '0 2 * * *' })).toThrow(
		'on PostgreSQL, back up with pg_dump',
	);
});
