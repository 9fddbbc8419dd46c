import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { type Clock, systemClock } from '../../service/clock';
import { createApp } from '../../service/app';
import type { Db } from '../../service/db/database';
import { createToken } from '../../service/domain/auth/api-tokens';
import { createUser } from '../../service/domain/auth/users';
import type { Role } from '../../service/db/schema';
import { Jobs } from '../../service/domain/jobs/jobs';
import { SecretBox } from '../../service/domain/secrets';
import type { AppDeps, LoginLimits } from '../../service/http/deps';
import { GitHubRepo } from '../../service/git/github';
import { DEFAULT_CONCURRENCY, N8nClient } from '../../service/n8n/client';
import { slotsPerInstance } from '../../service/n8n/request-slots';
import { Replica } from '../../service/jobs/replicas';
import { Scheduler, type SchedulerOptions } from '../../service/jobs/scheduler';
import { Webhooks } from '../../service/domain/events/webhooks';
import { CLI_CONTEXT } from '../../service/runtime';
import { testDatabase } from './test-database';

export interface Companion {
	url: string;
	db: Db;
	/** PostgreSQL's URL of its database; undefined on SQLite. */
	databaseUrl: string | undefined;
	/** What its app runs on. */
	deps: AppDeps & { events: Webhooks };
	/** It, as one of the replicas serving its database. */
	replica: Replica;
	dataDir: string;
	databaseFile: string;
	/** What its secrets are sealed with. */
	encryptionKey: Buffer;
	logLines: string[];
	/** A fresh API token of that role. */
	token(role: Role): Promise<string>;
	/** fetch against the companion with a bearer token. */
	api(
		token: string,
		method: string,
		path: string,
		body?: unknown,
	): Promise<{ status: number; body: any; headers: Headers }>;
	/** Adds an environment (class prod unless given) and returns it; throws if the companion refuses. */
	environment(token: string, fields: { name: string; baseUrl: string; apiKey: string; class?: string }): Promise<any>;
	webhooks: Webhooks;
	/** The running scheduler, when started with one. */
	scheduler?: Scheduler;
	close(): Promise<void>;
}

/** Starts the real companion on loopback over a temp-file SQLite, as `workflowops serve` would. */
export async function startCompanion(
	options: {
		loginLimits?: Partial<LoginLimits>;
		withAdmin?: boolean;
		publicUrl?: string;
		scheduler?: SchedulerOptions;
		allowPrivateWebhookTargets?: boolean;
		n8nConcurrency?: number;
		/** How long a call to n8n may take (3 s here; the product's default is longer). */
		n8nTimeoutMs?: number;
		/** On its SQLite file whatever the project's engine (the source of a copy to PostgreSQL). */
		onSqlite?: boolean;
		trustProxy?: AppDeps['trustProxy'];
		/** What time it is for it (the real time unless given). */
		clock?: Clock;
	} = {},
): Promise<Companion> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-test-'));
	const databaseFile = path.join(dataDir, 'workflowops.sqlite');
	const database = await testDatabase(databaseFile, options.onSqlite ? 'sqlite' : undefined);
	const { db } = database;
	const logLines: string[] = [];
	const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
	const encryptionKey = crypto.randomBytes(32);
	const secrets = new SecretBox(encryptionKey);
	const replica = await Replica.register(db, { databaseUrl: database.url });
	const replicaId = replica.id;
	const webhooks = new Webhooks(db, secrets, logger, {
		replicaId,
		backoffMs: [200, 400],
		timeoutMs: 2000,
		allowPrivateTargets: options.allowPrivateWebhookTargets ?? true,
	});
	const slots = slotsPerInstance(options.n8nConcurrency ?? DEFAULT_CONCURRENCY);
	const deps: AppDeps & { events: Webhooks } = {
		db,
		secrets,
		logger,
		n8nClient: (target) =>
			new N8nClient(target, { timeoutMs: options.n8nTimeoutMs ?? 3000, retries: 0, slots: slots(target.baseUrl) }),
		gitHub: (target) => new GitHubRepo(target, { throttle: false, retries: 0 }),
		jobs: new Jobs(db, { replicaId }),
		replicaId,
		clock: options.clock ?? systemClock,
		events: webhooks,
		publicUrl: options.publicUrl ?? 'http://127.0.0.1',
		allowPrivateWebhookTargets: options.allowPrivateWebhookTargets ?? true,
		trustProxy: options.trustProxy,
		loginLimits: { windowMs: 60_000, perAccount: 1000, perIp: 1000, ...options.loginLimits },
	};
	if (options.withAdmin)
		await createUser(db, CLI_CONTEXT, { email: 'owner@example.com', password: 'correct horse battery', role: 'admin' });
	const scheduler = options.scheduler && new Scheduler(deps, options.scheduler);
	await scheduler?.start();
	const server = createApp({ ...deps, scheduler }).listen(0, '127.0.0.1');
	await new Promise((resolve) => server.once('listening', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	const api: Companion['api'] = async (token, method, apiPath, body) => {
		const response = await fetch(url + apiPath, {
			method,
			headers: {
				Authorization: `Bearer ${token}`,
				...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
			},
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
		});
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// not JSON: keep the text
		}
		return { status: response.status, body: parsed, headers: response.headers };
	};

	return {
		url,
		db,
		databaseUrl: database.url,
		deps,
		replica,
		dataDir,
		databaseFile,
		logLines,
		scheduler,
		webhooks,
		encryptionKey,
		token: async (role) =>
			(await createToken(db, CLI_CONTEXT, { name: `test ${role} ${crypto.randomUUID().slice(0, 6)}`, role })).secret,
		api,
		environment: async (token, fields) => {
			const { status, body } = await api(token, 'POST', '/api/v1/environments', { class: 'prod', ...fields });
			if (status !== 201) throw new Error(`environment refused: HTTP ${status} ${JSON.stringify(body)}`);
			return body;
		},
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
			await scheduler?.stop();
			webhooks.stop();
			await replica.close();
			await database.drop();
			fs.rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

/**
 * Lets every operation run at once in every class: for tests of the operations themselves, not of
 * the class policies that may warn about them, send them for approval or block them.
 */
export async function allowEverything(companion: Companion, adminToken: string): Promise<void> {
	const open = {
		direct_edit: 'allowed',
		activation: 'allowed',
		delete: 'allowed',
		upload: 'allowed',
		restore: 'allowed',
	};
	for (const environmentClass of ['dev', 'staging', 'prod']) {
		const { status } = await companion.api(adminToken, 'PATCH', `/api/v1/policies/classes/${environmentClass}`, open);
		if (status !== 200) throw new Error(`the class policies could not be opened: HTTP ${status}`);
	}
}

/**
 * Makes every content rule at most a warning: for tests that promote real-world workflows (literal
 * Authorization headers, plain HTTP) to test promotions, not the `policy` gate.
 */
export async function contentRulesAsWarnings(companion: Companion, adminToken: string): Promise<void> {
	const warning = { dev: 'warning', staging: 'warning', prod: 'warning' };
	const rules = ['banned_node', 'plaintext_secret', 'schedule_too_frequent', 'plain_http', 'no_error_workflow'];
	const { status } = await companion.api(adminToken, 'PATCH', '/api/v1/policies/content-rules', {
		severity: Object.fromEntries(rules.map((rule) => [rule, warning])),
	});
	if (status !== 200) throw new Error(`the content rules could not be relaxed: HTTP ${status}`);
}
