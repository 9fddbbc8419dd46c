#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createApp } from './app';
import { type Config, ConfigError, isPostgresUrl, loadConfig } from './config';
import { backupDatabase, restoreDatabase } from './backup';
import { copyDatabase } from './db-copy';
import {
	connectPostgres,
	databaseLabel,
	databaseVersion,
	migrateToLatest,
	openConfiguredDatabase,
	openDatabase,
	pendingMigrations,
	reachDatabase,
} from './db/database';
import { verifyAuditExport } from './domain/audit/audit-export';
import { createToken, newTokenSchema } from './domain/auth/api-tokens';
import { countUsers, createUser, newUserSchema } from './domain/auth/users';
import { DomainError, messageOf } from './domain/errors';
import { newSecret } from './domain/auth/secret-tokens';
import { keyFileOf, readKeyFile, SecretBox } from './domain/secrets';
import { createLogger } from './logger';
import { Replica } from './jobs/replicas';
import { Scheduler } from './jobs/scheduler';
import { takeOverWork, watchReplicas } from './jobs/takeover';
import { PACKAGE_VERSION } from './package-root';
import { appDeps, CLI_CONTEXT, ensureInitialAdmin, openRuntime, verifyEncryptionKey } from './runtime';

/** How often a replica on PostgreSQL looks for replicas gone, to take their work over. */
const REPLICA_WATCH_MS = 5_000;

/** Each command: how it is called and what it does (its `--help`, and a line of the general usage). */
const COMMANDS: Record<string, { usage: string; help: string }> = {
	serve: { usage: 'serve', help: 'start the companion (the default command)' },
	migrate: { usage: 'migrate', help: 'bring the database schema up to date, then exit' },
	'user add': {
		usage: 'user add --email E --role R [--password P]',
		help: 'add a user (role: viewer | developer | admin);\nwithout --password one is generated and printed once',
	},
	'token create': { usage: 'token create --name N --role R', help: 'create an API token and print it once' },
	backup: {
		usage: 'backup <file>',
		help: 'write a consistent copy of the database to a new file, while the\ncompanion serves; keep the encryption key apart from it',
	},
	restore: {
		usage: 'restore <file>',
		help: 'put a backup in place in an empty data directory, open its secrets\nwith the key and verify its audit log',
	},
	'db copy': {
		usage: 'db copy --from <sqlite file> --to <postgres url>',
		help: 'copy an installation from its SQLite file into a new, empty\nPostgreSQL database: everything, in one transaction; the audit\nlog is verified and the secrets opened with the key afterwards',
	},
	'audit verify-export': {
		usage: 'audit verify-export <file>',
		help: 'check an audit export on its own: its entries, their chain and\nits manifest’s signature (needs no database)',
	},
	check: {
		usage: 'check',
		help: 'check the configuration, the database and the encryption key, changing nothing',
	},
};

const USAGE = `Usage: workflowops <command> [options]

${Object.values(COMMANDS)
	.map(({ usage, help }) => `  ${usage.padEnd(44)}${help.replaceAll('\n', `\n${' '.repeat(46)}`)}`)
	.join('\n')}

  --help, -h after a command explains it; --version prints the version.
Configuration comes from WORKFLOWOPS_* environment variables (see the README).`;

async function main(argv: string[]): Promise<void> {
	const { positionals, values } = parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			email: { type: 'string' },
			role: { type: 'string' },
			password: { type: 'string' },
			name: { type: 'string' },
			from: { type: 'string' },
			to: { type: 'string' },
			help: { type: 'boolean', short: 'h' },
			version: { type: 'boolean', short: 'v' },
		},
	});
	if (values.version) return void console.log(PACKAGE_VERSION);
	const command = positionals.join(' ') || 'serve';
	if (values.help) {
		const known = COMMANDS[command] ?? COMMANDS[positionals.slice(0, 2).join(' ')] ?? COMMANDS[positionals[0]];
		return void console.log(known && positionals.length ? `Usage: workflowops ${known.usage}\n\n${known.help}` : USAGE);
	}
	// What needs no configuration: checking a file.
	if (positionals[0] === 'audit' && positionals[1] === 'verify-export') return verifyExportFile(positionals[2]);
	// What the companion writes (the SQLite file with its WAL and SHM, the key file) is for its user alone.
	process.umask(0o077);
	const config = loadConfig();
	const logger = createLogger(config.logLevel);

	if (positionals.length === 2 && (positionals[0] === 'backup' || positionals[0] === 'restore')) {
		if (config.databaseUrl)
			throw new UsageError(
				`workflowops ${positionals[0]} works on the embedded SQLite file: on PostgreSQL, use pg_dump and pg_restore (see the README)`,
			);
		return positionals[0] === 'backup' ? backup(config, positionals[1]) : restore(config, positionals[1]);
	}
	switch (command) {
		case 'serve':
			return serve(config, logger);
		case 'migrate': {
			const db = openConfiguredDatabase(config);
			try {
				await reachDatabase(db, config);
				const applied = await migrateToLatest(db);
				console.log(applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date');
			} finally {
				await db.destroy();
			}
			return;
		}
		case 'user add': {
			const password = values.password ?? newSecret('').slice(0, 20);
			const input = parseOptions(newUserSchema, { email: values.email, role: values.role, password });
			const { db } = await openRuntime(config);
			try {
				const user = await createUser(db, CLI_CONTEXT, input);
				console.log(
					`Added ${user.email} (${user.role})${values.password ? '' : `\nPassword (shown once): ${password}`}`,
				);
			} finally {
				await db.destroy();
			}
			return;
		}
		case 'token create': {
			const input = parseOptions(newTokenSchema, { name: values.name, role: values.role });
			const { db } = await openRuntime(config);
			try {
				const { token, secret } = await createToken(db, CLI_CONTEXT, input);
				console.log(`Created token "${token.name}" (${token.role}). It is shown this once:\n${secret}`);
			} finally {
				await db.destroy();
			}
			return;
		}
		case 'check':
			return check(config);
		case 'db copy':
			return copy(config, values.from, values.to);
		case 'backup':
		case 'restore':
			throw new UsageError(`The file is required\n\nUsage: workflowops ${COMMANDS[command].usage}`);

		default:
			throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
	}
}

/** A consistent copy of the database, taken while the companion may be serving. */
async function backup(config: Config, file: string): Promise<void> {
	if (!fs.existsSync(config.databaseFile))
		throw new UsageError(`No database at ${config.databaseFile}: nothing to back up`);
	const db = openDatabase(config.databaseFile, { mustExist: true });
	try {
		const { bytes } = await backupDatabase(db, path.resolve(file));
		const key = config.encryptionKey ? 'WORKFLOWOPS_ENCRYPTION_KEY' : keyFileOf(config.dataDir);
		console.log(
			`Backed up ${config.databaseFile} to ${path.resolve(file)} (${Math.ceil(bytes / 1024)} KiB).\n` +
				`Its API keys and tokens are sealed with ${key}: keep a copy of that key, apart from the backup; without it they cannot be read.`,
		);
	} finally {
		await db.destroy();
	}
}

async function restore(config: Config, file: string): Promise<void> {
	const report = await restoreDatabase(config, path.resolve(file));
	console.log(
		`Restored ${path.resolve(file)} into ${config.databaseFile}` +
			(report.migrated.length ? `, brought up to date (${report.migrated.join(', ')})` : '') +
			`: ${report.secrets} secret(s) opened with the key, audit log of ${report.audit.checked} entries verified.`,
	);
}

/** Copies the SQLite database `from` into the empty PostgreSQL database `to`, with the configured key. */
async function copy(config: Config, from: string | undefined, to: string | undefined): Promise<void> {
	if (!from || !to)
		throw new UsageError(`--from and --to are required\n\nUsage: workflowops ${COMMANDS['db copy'].usage}`);
	if (!isPostgresUrl(to)) throw new UsageError('--to: must be a postgres:// URL');
	if (!fs.existsSync(from)) throw new UsageError(`--from: no SQLite database at ${from}`);
	const target = { databaseFile: from, databaseUrl: to };
	const source = openDatabase(from, { mustExist: true });
	const destination = connectPostgres(to);
	try {
		await reachDatabase(destination, target);
		const key = config.encryptionKey ?? readKeyFile(config.dataDir);
		const report = await copyDatabase(source, destination, key && new SecretBox(key), (line) =>
			console.log(`Copied ${line}`),
		);
		const rows = report.tables.reduce((sum, table) => sum + table.rows, 0);
		console.log(
			`Copied ${from} into ${databaseLabel(target)}: ${rows} row(s) in ${report.tables.length} tables, ` +
				`audit log of ${report.audit.checked} entries verified, ${report.secrets} secret(s) opened with the key.\n` +
				'Set WORKFLOWOPS_DATABASE_URL to it, keep the same key, and start the companion.',
		);
	} finally {
		await Promise.all([source.destroy(), destination.destroy()]);
	}
}

/** Checks an audit export file; exits non-zero, saying why, when it does not hold. */
function verifyExportFile(file: string | undefined): void {
	if (!file)
		throw new UsageError(`The export file is required\n\nUsage: workflowops ${COMMANDS['audit verify-export'].usage}`);
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
	}
	const result = verifyAuditExport(text);
	if (!result.valid) {
		process.exitCode = 1;
		return void console.error(`Not valid: ${result.reason}${result.keyId ? ` (signed by key ${result.keyId})` : ''}`);
	}
	const span = result.count ? `entries ${result.firstId} to ${result.lastId}` : 'no entry';
	console.log(`Valid: ${span}, chained and signed by key ${result.keyId}`);
}

/** Reports on the configuration, the database and the key without creating or changing anything. */
async function check(config: Config): Promise<void> {
	if (!config.databaseUrl && !fs.existsSync(config.databaseFile)) {
		console.log(
			`Configuration OK\nNo database at ${config.databaseFile} yet: \`workflowops serve\` or \`workflowops migrate\` creates it`,
		);
		return;
	}
	const db = openConfiguredDatabase(config, { mustExist: true });
	try {
		await reachDatabase(db, config);
		const where = `Database ${databaseLabel(config)} (${await databaseVersion(db)})`;
		const pending = await pendingMigrations(db);
		if (pending.length) {
			console.log(
				`Configuration OK\n${where}: ${pending.length} migration(s) to apply (${pending.join(', ')}); \`workflowops migrate\` applies them`,
			);
			return;
		}
		const key = config.encryptionKey ?? readKeyFile(config.dataDir);
		const verified = await verifyEncryptionKey(db, key && new SecretBox(key), config);
		const users = await countUsers(db);
		console.log(
			`Configuration OK\n${where}: schema up to date, ${users} user(s), ` +
				(verified ? 'the encryption key opens the stored secrets' : 'no secret stored yet'),
		);
	} finally {
		await db.destroy();
	}
}

async function serve(config: Config, logger: ReturnType<typeof createLogger>): Promise<void> {
	const runtime = await openRuntime(config);
	await ensureInitialAdmin(runtime.db, config, logger);
	const replica = await Replica.register(runtime.db, {
		databaseUrl: config.databaseUrl,
		onLost: (error) => {
			// The other replicas take its work over now: it must not go on with it.
			logger.fatal({ err: error }, 'lost the connection that shows this replica alive; stopping');
			process.exit(1);
		},
	});
	const deps = appDeps(config, runtime, logger, replica);
	const { undoing } = await takeOverWork(deps, replica);
	void undoing.catch((error: unknown) => logger.error({ err: error }, 'could not undo the changes left running'));
	const stopWatching = config.databaseUrl ? watchReplicas(deps, replica, REPLICA_WATCH_MS) : () => undefined;
	const scheduler = new Scheduler(deps, { backups: config.backups });
	await scheduler.start();
	const app = createApp({ ...deps, scheduler });
	const server: Server = app.listen(config.port, config.host);
	await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
	const hasUsers = await countUsers(runtime.db);
	logger.info({ url: config.publicUrl, dataDir: config.dataDir }, 'WorkflowOps companion listening');
	console.log(`\nWorkflowOps companion is running on ${config.publicUrl}`);
	console.log(
		hasUsers
			? `Sign in at ${config.publicUrl}/login`
			: `Next: open ${config.publicUrl}/setup to create the owner account`,
	);
	console.log(`Data: ${config.dataDir}\n`);

	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		logger.info({ signal }, 'shutting down: finishing in-flight requests');
		const force = setTimeout(() => {
			logger.warn('in-flight requests did not finish within 10 s; closing them');
			server.closeAllConnections();
		}, 10_000);
		force.unref();
		// Keep-alive connections go idle as their last response is sent; close each one as it does.
		const sweep = setInterval(() => server.closeIdleConnections(), 100);
		server.close(async () => {
			clearInterval(sweep);
			stopWatching();
			await scheduler.stop();
			deps.events.stop();
			await replica.close();
			await runtime.db.destroy();
			logger.info('stopped');
			process.exit(0);
		});
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
}

class UsageError extends Error {}

/** The options as the schema wants them, or a UsageError saying in words what is missing or wrong. */
function parseOptions<T>(schema: z.ZodType<T>, options: Record<string, string | undefined>): T {
	const parsed = schema.safeParse(options);
	if (parsed.success) return parsed.data;
	const problems = parsed.error.issues.map((issue) => {
		const option = String(issue.path[0]);
		return options[option] === undefined ? `--${option} is required` : `--${option}: ${issue.message}`;
	});
	throw new UsageError([...new Set(problems)].join('\n'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
	if (error instanceof ConfigError) console.error(`Configuration error:\n${error.message}`);
	else if (error instanceof UsageError) console.error(error.message);
	else if (error instanceof DomainError) console.error(error.message);
	else console.error(messageOf(error));
	process.exit(1);
});
