#!/usr/bin/env node
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { migrateToLatest, openDatabase } from './db/database';
import { createToken, newTokenSchema } from './domain/auth/api-tokens';
import { countUsers, createUser, newUserSchema } from './domain/auth/users';
import { DomainError } from './domain/errors';
import { newSecret } from './domain/auth/secret-tokens';
import { createLogger } from './logger';
import { Scheduler } from './jobs/scheduler';
import { appDeps, CLI_CONTEXT, ensureInitialAdmin, openRuntime } from './runtime';

const USAGE = `Usage: workflowops <command>

  serve                                   start the companion (default)
  migrate                                 bring the database schema up to date, then exit
  user add --email E --role R [--password P]
                                          add a user (role: viewer | developer | admin);
                                          without --password one is generated and printed once
  token create --name N --role R          create an API token and print it once
  check                                   check the configuration and the database

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
			help: { type: 'boolean', short: 'h' },
		},
	});
	const command = positionals.join(' ') || 'serve';
	if (values.help) return void console.log(USAGE);
	const config = loadConfig();
	const logger = createLogger(config.logLevel);

	switch (command) {
		case 'serve':
			return serve(config, logger);
		case 'migrate': {
			const db = openDatabase(config.databaseFile);
			try {
				const applied = await migrateToLatest(db);
				console.log(applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date');
			} finally {
				await db.destroy();
			}
			return;
		}
		case 'user add': {
			const password = values.password ?? newSecret('').slice(0, 20);
			const input = newUserSchema.parse({ email: values.email, role: values.role, password });
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
			const input = newTokenSchema.parse({ name: values.name, role: values.role });
			const { db } = await openRuntime(config);
			try {
				const { token, secret } = await createToken(db, CLI_CONTEXT, input);
				console.log(`Created token "${token.name}" (${token.role}). It is shown this once:\n${secret}`);
			} finally {
				await db.destroy();
			}
			return;
		}
		case 'check': {
			const { db } = await openRuntime(config);
			try {
				const users = await countUsers(db);
				console.log(`Configuration OK\nDatabase ${config.databaseFile}: schema up to date, ${users} user(s)`);
			} finally {
				await db.destroy();
			}
			return;
		}
		default:
			throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
	}
}

async function serve(config: ReturnType<typeof loadConfig>, logger: ReturnType<typeof createLogger>): Promise<void> {
	const runtime = await openRuntime(config);
	await ensureInitialAdmin(runtime.db, config, logger);
	const deps = appDeps(config, runtime, logger);
	const interrupted = await deps.jobs.failInterrupted();
	if (interrupted) logger.warn({ jobs: interrupted }, 'marked jobs left running by the last run as failed');
	const scheduler = new Scheduler(deps);
	await scheduler.start();
	await deps.events.resume();
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
			await scheduler.stop();
			deps.events.stop();
			await runtime.db.destroy();
			logger.info('stopped');
			process.exit(0);
		});
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
	if (error instanceof ConfigError) console.error(`Configuration error:\n${error.message}`);
	else if (error instanceof UsageError) console.error(error.message);
	else if (error instanceof z.ZodError)
		console.error(error.issues.map((issue) => `--${String(issue.path[0])}: ${issue.message}`).join('\n'));
	else if (error instanceof DomainError) console.error(error.message);
	else console.error(error instanceof Error ? error.message : String(error));
	process.exit(1);
});
