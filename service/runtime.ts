import type { Logger } from 'pino';
import type { Config } from './config';
import { type Db, migrateToLatest, openDatabase } from './db/database';
import type { AuditContext } from './domain/audit/audit-log';
import { countUsers, createUser } from './domain/auth/users';
import { Webhooks } from './domain/events/webhooks';
import { Jobs } from './domain/jobs/jobs';
import { loadOrCreateKeyFile, SecretBox } from './domain/secrets';
import type { AppDeps } from './http/deps';
import { GitHubRepo } from './git/github';
import { N8nClient } from './n8n/client';

export const CLI_CONTEXT: AuditContext = {
	actor: { type: 'system', id: null, name: 'cli' },
	ip: null,
	userAgent: null,
};

/** Opens the database (migrated) and the secret box the config points at. */
export async function openRuntime(config: Config): Promise<{ db: Db; secrets: SecretBox }> {
	const db = openDatabase(config.databaseFile);
	try {
		await migrateToLatest(db);
	} catch (error) {
		await db.destroy();
		throw error;
	}
	const secrets = new SecretBox(config.encryptionKey ?? loadOrCreateKeyFile(config.dataDir));
	return { db, secrets };
}

export function appDeps(
	config: Config,
	runtime: { db: Db; secrets: SecretBox },
	logger: Logger,
): AppDeps & { events: Webhooks } {
	return {
		...runtime,
		logger,
		n8nClient: (target) => new N8nClient(target),
		gitHub: (target) => new GitHubRepo(target),
		jobs: new Jobs(runtime.db),
		events: new Webhooks(runtime.db, runtime.secrets, logger),
		publicUrl: config.publicUrl,
		loginLimits: { windowMs: 15 * 60_000, perAccount: 10, perIp: 50 },
	};
}

/** Headless first run: WORKFLOWOPS_ADMIN_EMAIL/PASSWORD create the first admin when no user exists. */
export async function ensureInitialAdmin(db: Db, config: Config, logger: Logger): Promise<void> {
	if (!config.initialAdmin || (await countUsers(db))) return;
	const admin = await createUser(db, CLI_CONTEXT, { ...config.initialAdmin, role: 'admin' }, { onlyIfNone: true });
	logger.info({ email: admin.email }, 'created the first admin from WORKFLOWOPS_ADMIN_EMAIL');
}
