import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'node-cron';
import { z } from 'zod';
import { DEFAULT_CONCURRENCY } from './n8n/client';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
	.string()
	.optional()
	.transform((value) => (value === '' ? undefined : value));

/** A PostgreSQL connection URL, as WORKFLOWOPS_DATABASE_URL and `db copy --to` take it. */
export const isPostgresUrl = (value: string) => /^postgres(ql)?:\/\/\S+$/.test(value);

const environmentSchema = z.object({
	WORKFLOWOPS_PORT: z.coerce
		.number({ error: 'must be a whole number between 1 and 65535' })
		.int('must be a whole number between 1 and 65535')
		.min(1, 'must be a whole number between 1 and 65535')
		.max(65535, 'must be a whole number between 1 and 65535')
		.default(5690),
	WORKFLOWOPS_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
	WORKFLOWOPS_DATA_DIR: optionalText,
	WORKFLOWOPS_DATABASE_URL: optionalText.refine(
		(value) => value === undefined || isPostgresUrl(value),
		'must be a postgres:// URL (leave it unset for the embedded SQLite file)',
	),
	WORKFLOWOPS_ENCRYPTION_KEY: optionalText.refine(
		(value) => value === undefined || decodeKey(value) !== undefined,
		'must be 32 bytes written as 64 hex characters or as base64',
	),
	WORKFLOWOPS_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
	WORKFLOWOPS_PUBLIC_URL: optionalText.refine(
		(value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value),
		'must be an http:// or https:// URL',
	),
	WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS: optionalText.refine(
		(value) => value === undefined || value === 'allow' || value === 'refuse',
		'must be allow or refuse',
	),
	WORKFLOWOPS_N8N_CONCURRENCY: z.coerce
		.number({ error: 'must be a whole number between 1 and 32' })
		.int('must be a whole number between 1 and 32')
		.min(1, 'must be a whole number between 1 and 32')
		.max(32, 'must be a whole number between 1 and 32')
		.default(DEFAULT_CONCURRENCY),
	WORKFLOWOPS_BACKUP_CRON: optionalText.refine(
		(value) => value === undefined || validate(value),
		'must be a cron expression, e.g. "0 2 * * *" for 02:00 every day',
	),
	WORKFLOWOPS_BACKUP_KEEP: z.coerce
		.number({ error: 'must be a whole number between 1 and 1000' })
		.int('must be a whole number between 1 and 1000')
		.min(1, 'must be a whole number between 1 and 1000')
		.max(1000, 'must be a whole number between 1 and 1000')
		.default(7),
	WORKFLOWOPS_TRUST_PROXY: optionalText.refine(
		(value) => value === undefined || trustProxyOf(value) !== undefined,
		"must be the number of proxies in front (1 to 10), or the proxies' addresses: loopback, uniquelocal, IPs or subnets, comma-separated",
	),
	WORKFLOWOPS_ADMIN_EMAIL: optionalText.refine(
		(value) => value === undefined || z.email().safeParse(value).success,
		'must be an email address',
	),
	WORKFLOWOPS_ADMIN_PASSWORD: optionalText.refine(
		(value) => value === undefined || value.length >= 10,
		'must be at least 10 characters',
	),
});

export interface ScheduledBackups {
	cron: string;
	/** The newest kept; older ones are deleted. */
	keep: number;
	dir: string;
}

export interface Config {
	port: number;
	host: string;
	dataDir: string;
	/** The embedded SQLite database, used unless `databaseUrl` is set. */
	databaseFile: string;
	/** WORKFLOWOPS_DATABASE_URL: PostgreSQL instead of the SQLite file. */
	databaseUrl: string | undefined;
	/** From WORKFLOWOPS_ENCRYPTION_KEY; undefined means "use or create the key file in dataDir". */
	encryptionKey: Buffer | undefined;
	logLevel: (typeof LOG_LEVELS)[number];
	publicUrl: string;
	secureCookies: boolean;
	/**
	 * Whether webhooks may go to private and loopback addresses: by default only while the companion
	 * itself is reached on this machine (a trial beside a local n8n), never once it is served to others.
	 */
	allowPrivateWebhookTargets: boolean;
	/** Calls in flight to one n8n instance at most, all operations together. */
	n8nConcurrency: number;
	initialAdmin: { email: string; password: string } | undefined;
	/** WORKFLOWOPS_BACKUP_CRON: backups into <dataDir>/backups on that schedule. */
	backups: ScheduledBackups | undefined;
	/** WORKFLOWOPS_TRUST_PROXY: whose X-Forwarded-For names the client (Express's `trust proxy`). */
	trustProxy: number | string[] | undefined;
}

export class ConfigError extends Error {}

/** Variables whose value is a secret: a message about them never repeats it. */
const SECRET_VARIABLES = new Set([
	'WORKFLOWOPS_ENCRYPTION_KEY',
	'WORKFLOWOPS_ADMIN_PASSWORD',
	'WORKFLOWOPS_DATABASE_URL',
]);

/** Reads the environment; throws a ConfigError whose message has one line per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
	const parsed = environmentSchema.safeParse(env);
	if (!parsed.success) {
		const lines = parsed.error.issues.map((issue) => {
			const name = String(issue.path[0]);
			return SECRET_VARIABLES.has(name)
				? `${name}: ${issue.message}`
				: `${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? '')})`;
		});
		throw new ConfigError(lines.join('\n'));
	}
	const values = parsed.data;
	const email = values.WORKFLOWOPS_ADMIN_EMAIL;
	const password = values.WORKFLOWOPS_ADMIN_PASSWORD;
	if ((email === undefined) !== (password === undefined)) {
		throw new ConfigError(
			'WORKFLOWOPS_ADMIN_EMAIL and WORKFLOWOPS_ADMIN_PASSWORD: set both to create the first admin, or neither',
		);
	}
	if (values.WORKFLOWOPS_DATABASE_URL && values.WORKFLOWOPS_BACKUP_CRON)
		throw new ConfigError(
			'WORKFLOWOPS_BACKUP_CRON backs up the embedded SQLite file: on PostgreSQL, back up with pg_dump (see the README)',
		);
	const dataDir = path.resolve(values.WORKFLOWOPS_DATA_DIR ?? path.join(os.homedir(), '.workflowops'));
	const publicUrl = (values.WORKFLOWOPS_PUBLIC_URL ?? `http://localhost:${values.WORKFLOWOPS_PORT}`).replace(
		/\/+$/,
		'',
	);
	return {
		port: values.WORKFLOWOPS_PORT,
		host: values.WORKFLOWOPS_HOST,
		dataDir,
		databaseFile: path.join(dataDir, 'workflowops.sqlite'),
		databaseUrl: values.WORKFLOWOPS_DATABASE_URL,
		encryptionKey: values.WORKFLOWOPS_ENCRYPTION_KEY ? decodeKey(values.WORKFLOWOPS_ENCRYPTION_KEY) : undefined,
		logLevel: values.WORKFLOWOPS_LOG_LEVEL,
		publicUrl,
		secureCookies: publicUrl.startsWith('https://'),
		allowPrivateWebhookTargets: values.WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS
			? values.WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS === 'allow'
			: /^https?:\/\/(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(publicUrl),
		n8nConcurrency: values.WORKFLOWOPS_N8N_CONCURRENCY,
		initialAdmin: email && password ? { email, password } : undefined,
		trustProxy: values.WORKFLOWOPS_TRUST_PROXY ? trustProxyOf(values.WORKFLOWOPS_TRUST_PROXY) : undefined,
		backups: values.WORKFLOWOPS_BACKUP_CRON
			? {
					cron: values.WORKFLOWOPS_BACKUP_CRON,
					keep: values.WORKFLOWOPS_BACKUP_KEEP,
					dir: path.join(dataDir, 'backups'),
				}
			: undefined,
	};
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** A number of hops, or addresses (names Express knows, IPs, subnets); undefined when it is neither. */
function trustProxyOf(text: string): number | string[] | undefined {
	if (/^\d+$/.test(text)) {
		const hops = Number(text);
		return hops >= 1 && hops <= 10 ? hops : undefined;
	}
	const addresses = text.split(',').map((part) => part.trim());
	const valid = (address: string) => {
		const [ip, bits, ...rest] = address.split('/');
		if (rest.length || !net.isIP(ip)) return PROXY_NAMES.has(address);
		return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (net.isIPv4(ip) ? 32 : 128));
	};
	return addresses.every(valid) ? addresses : undefined;
}

function decodeKey(text: string): Buffer | undefined {
	const trimmed = text.trim();
	const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
	return key.length === 32 ? key : undefined;
}
