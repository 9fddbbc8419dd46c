import type { Logger } from 'pino';
import type { Config } from './config';
import { databaseLabel, type Db, migrateToLatest, openConfiguredDatabase, reachDatabase } from './db/database';
import { appendAudit, type AuditContext } from './domain/audit/audit-log';
import { failInterruptedRequests } from './domain/approvals/operation-requests';
import { recoverChanges } from './domain/changes/recovery';
import { endInterruptedPromotion } from './domain/promotions/execute';
import { countUsers, createUser } from './domain/auth/users';
import { Webhooks } from './domain/events/webhooks';
import { Jobs } from './domain/jobs/jobs';
import { keyFileOf, loadOrCreateKeyFile, SecretBox, storedSecrets } from './domain/secrets';
import type { AppDeps } from './http/deps';
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
 * opens the secrets already stored.
 */
export async function openRuntime(config: Config): Promise<{ db: Db; secrets: SecretBox }> {
	const db = openConfiguredDatabase(config);
	try {
		await reachDatabase(db, config);
		await migrateToLatest(db);
		const secrets = new SecretBox(config.encryptionKey ?? loadOrCreateKeyFile(config.dataDir));
		await verifyEncryptionKey(db, secrets, config);
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

export function appDeps(
	config: Config,
	runtime: { db: Db; secrets: SecretBox },
	logger: Logger,
): AppDeps & { events: Webhooks } {
	const slots = slotsPerInstance(config.n8nConcurrency);
	return {
		...runtime,
		logger,
		n8nClient: (target) => new N8nClient(target, { slots: slots(target.baseUrl) }),
		gitHub: (target) => new GitHubRepo(target),
		jobs: new Jobs(runtime.db),
		events: new Webhooks(runtime.db, runtime.secrets, logger, {
			allowPrivateTargets: config.allowPrivateWebhookTargets,
		}),
		publicUrl: config.publicUrl,
		allowPrivateWebhookTargets: config.allowPrivateWebhookTargets,
		loginLimits: { windowMs: 15 * 60_000, perAccount: 10, perIp: 50 },
	};
}

/** At start-up: jobs the last run left running fail, saying what state they left. */
export async function recoverInterruptedJobs(deps: AppDeps, logger: Logger): Promise<void> {
	const interrupted = await deps.jobs.failInterrupted();
	if (interrupted.length)
		logger.warn(
			{ jobs: interrupted.map(({ id, kind }) => ({ id, kind })) },
			'marked jobs left running by the last run as failed',
		);
}

/** At start-up: operation requests the last run approved but stopped while starting are FAILED, saying so. */
export async function recoverInterruptedRequests(deps: AppDeps, logger: Logger): Promise<void> {
	const interrupted = await failInterruptedRequests(deps.db, CLI_CONTEXT);
	if (interrupted.length)
		logger.warn({ requests: interrupted }, 'marked approved operation requests the last run left starting as failed');
}

/**
 * At start-up, in the background: each change to n8n the last run left running (restore, revert,
 * promotion) is undone from its record and audited; an interrupted promotion ends ROLLED_BACK (or
 * FAILED, with what could not be undone). Until then the target takes no other change.
 */
export async function recoverInterruptedChanges(deps: AppDeps, logger: Logger): Promise<void> {
	for (const recovered of await recoverChanges(deps)) {
		const { change, undoFailures } = recovered;
		logger.warn(
			{ changeId: change.id, subject: change.subject, undoFailures },
			'undid a change the last run left running',
		);
		if (change.kind !== 'restore') {
			await endInterruptedPromotion(deps, CLI_CONTEXT, recovered);
			continue;
		}
		const job = await deps.jobs.latestFor(change.subject);
		await deps.db.transaction().execute((trx) =>
			appendAudit(trx, CLI_CONTEXT, {
				action: 'snapshot.restore',
				resourceType: 'environment',
				resourceId: change.environment_id,
				environmentId: change.environment_id,
				metadata: {
					outcome: 'interrupted',
					jobId: job?.id ?? null,
					error: job?.error ?? null,
					safetySnapshotId: change.safety_snapshot_id,
					undone: !undoFailures.length,
					undoFailures,
				},
			}),
		);
	}
}

/** Headless first run: WORKFLOWOPS_ADMIN_EMAIL/PASSWORD create the first admin when no user exists. */
export async function ensureInitialAdmin(db: Db, config: Config, logger: Logger): Promise<void> {
	if (!config.initialAdmin || (await countUsers(db))) return;
	const admin = await createUser(db, CLI_CONTEXT, { ...config.initialAdmin, role: 'admin' }, { onlyIfNone: true });
	logger.info({ email: admin.email }, 'created the first admin from WORKFLOWOPS_ADMIN_EMAIL');
}
