import type { Logger } from 'pino';
import { systemClock } from './clock';
import type { Config } from './config';
import { databaseLabel, type Db, migrateToLatest, openConfiguredDatabase, reachDatabase } from './db/database';
import { signingKey } from './domain/audit/audit-export';
import type { AuditContext } from './domain/audit/audit-log';
import { countUsers, createUser } from './domain/auth/users';
import { Webhooks } from './domain/events/webhooks';
import { Jobs } from './domain/jobs/jobs';
import { keyFileOf, loadOrCreateKeyFile, SecretBox, storedSecrets } from './domain/secrets';
import type { AppDeps } from './http/deps';
import type { Replica } from './jobs/replicas';
import { GitHubRepo } from './git/github';
import { N8nClient } from './n8n/client';
import { slotsPerInstance } from './n8n/request-slots';

export const CLI_CONTEXT: AuditContext = {
	actor: { type: 'system', id: null, name: 'cli' },
	ip: null,
	userAgent: null,
};

/**
 * Opens the database (migrated) and the secret box the config points at, after checking that the key
 * opens the secrets already stored. A new database gets its first sealed secret (the audit export's
 * signing key), so that every later start, of any replica, is checked against the key.
 */
export async function openRuntime(config: Config): Promise<{ db: Db; secrets: SecretBox }> {
	const db = openConfiguredDatabase(config);
	try {
		await reachDatabase(db, config);
		await migrateToLatest(db);
		const secrets = new SecretBox(config.encryptionKey ?? loadOrCreateKeyFile(config.dataDir));
		await verifyEncryptionKey(db, secrets, config);
		try {
			await signingKey(db, secrets);
		} catch (error) {
			// Another replica, started at the same time with another key, sealed it first.
			await verifyEncryptionKey(db, secrets, config);
			throw error;
		}
		return { db, secrets };
	} catch (error) {
		await db.destroy();
		throw error;
	}
}

/**
 * Opens one stored secret: a key other than the one it was sealed with fails here. False when no
 * secret is stored yet.
 */
export async function verifyEncryptionKey(db: Db, secrets: SecretBox | undefined, config: Config): Promise<boolean> {
	const [stored] = await storedSecrets(db, 1);
	if (!stored) return false;
	if (!secrets)
		throw new Error(
			`${databaseLabel(config)} holds sealed secrets but there is no key: set WORKFLOWOPS_ENCRYPTION_KEY, or put back ${keyFileOf(config.dataDir)}`,
		);
	try {
		secrets.open(stored);
	} catch {
		const key = config.encryptionKey ? 'WORKFLOWOPS_ENCRYPTION_KEY' : keyFileOf(config.dataDir);
		throw new Error(
			`${key} is not the key the secrets in ${databaseLabel(config)} were sealed with: set the key they were stored with`,
		);
	}
	return true;
}

/** What the app runs on, as this replica; each job's progress reaches the pages of every replica. */
export function appDeps(
	config: Config,
	runtime: { db: Db; secrets: SecretBox },
	logger: Logger,
	replica: Replica,
): AppDeps & { events: Webhooks } {
	const slots = slotsPerInstance(config.n8nConcurrency);
	// Best effort: a replica that lost its connection stops (see Replica), its jobs taken over.
	const publish = (id: string) => replica.notify(`job ${id}`).catch(() => undefined);
	const jobs = new Jobs(runtime.db, { replicaId: replica.id, publish });
	replica.onNotice((message) => {
		const [topic, id] = message.split(' ');
		if (topic === 'job')
			jobs.reload(id).catch((error: unknown) => logger.warn({ err: error, jobId: id }, 'could not follow a job'));
	});
	return {
		...runtime,
		logger,
		n8nClient: (target) => new N8nClient(target, { slots: slots(target.baseUrl) }),
		gitHub: (target) => new GitHubRepo(target),
		jobs,
		replicaId: replica.id,
		clock: systemClock,
		events: new Webhooks(runtime.db, runtime.secrets, logger, {
			allowPrivateTargets: config.allowPrivateWebhookTargets,
			replicaId: replica.id,
		}),
		publicUrl: config.publicUrl,
		allowPrivateWebhookTargets: config.allowPrivateWebhookTargets,
		trustProxy: config.trustProxy,
		loginLimits: { windowMs: 15 * 60_000, perAccount: 10, perIp: 50 },
	};
}

/** Headless first run: WORKFLOWOPS_ADMIN_EMAIL/PASSWORD create the first admin when no user exists. */
export async function ensureInitialAdmin(db: Db, config: Config, logger: Logger): Promise<void> {
	if (!config.initialAdmin || (await countUsers(db))) return;
	const admin = await createUser(db, CLI_CONTEXT, { ...config.initialAdmin, role: 'admin' }, { onlyIfNone: true });
	logger.info({ email: admin.email }, 'created the first admin from WORKFLOWOPS_ADMIN_EMAIL');
}
