import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { Db } from '../db/database';
import type { ScheduleControl } from '../domain/drift/schedules';
import type { EventSink } from '../domain/events/events';
import type { Jobs } from '../domain/jobs/jobs';
import type { SecretBox } from '../domain/secrets';
import type { GitHubRepo, GitTarget } from '../git/github';
import type { N8nClient, N8nTarget } from '../n8n/client';

export interface LoginLimits {
	windowMs: number;
	/** Failed sign-ins per email address per window. */
	perAccount: number;
	/** Failed sign-ins per client address per window. */
	perIp: number;
}

/** Everything the app needs from outside; tests build it on a temp-file SQLite. */
export interface AppDeps {
	db: Db;
	secrets: SecretBox;
	logger: Logger;
	n8nClient: (target: N8nTarget) => N8nClient;
	gitHub: (target: GitTarget) => GitHubRepo;
	jobs: Jobs;
	/** This companion process, among the replicas serving the database (service/jobs/replicas.ts). */
	replicaId: string;
	clock: Clock;
	events: EventSink;
	publicUrl: string;
	loginLimits: LoginLimits;
	/** Whether webhooks may be sent to private and loopback addresses (WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS). */
	allowPrivateWebhookTargets: boolean;
	/** Whose X-Forwarded-For names the client (WORKFLOWOPS_TRUST_PROXY); absent, the peer is the client. */
	trustProxy?: number | string[];
	/** The running scheduler; absent where nothing is scheduled (most tests, CLI commands). */
	scheduler?: ScheduleControl;
}
