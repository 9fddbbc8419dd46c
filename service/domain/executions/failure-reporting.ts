import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { N8nClient } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';
import type { N8nWorkflow, WorkflowInput } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, isHttpUrl, n8nTarget } from '../environments/environments';
import { DomainError, notFound } from '../errors';
import { signature } from '../events/events';
import type { Job, Jobs } from '../jobs/jobs';
import { hasUnpublishedDraft } from '../drift/published';
import { startBulk } from '../workflows/bulk';
import { refreshInventoryRow } from '../workflows/workflow-identity';
import { type FailureReport, recordPushedFailures } from './failure-reports';
import { currentRedactor, redactMessage } from './redaction';
import { reportingWorkflow } from './reporting-workflow';

export const HOOK_PATH = '/hooks/n8n/:environmentId';
/** A report signed longer ago than this is refused as a replay. */
const MAX_AGE_S = 300;

export const reportingRequestSchema = z
	.object({
		companionUrl: z
			.string()
			.trim()
			.max(500)
			.refine(isHttpUrl, 'must be an http:// or https:// URL such as https://workflowops.example.com')
			.optional()
			.describe('where this n8n reaches the companion; default the companion’s public URL (WORKFLOWOPS_PUBLIC_URL)'),
		setAsErrorWorkflow: z
			.boolean()
			.default(false)
			.describe('also make it the error workflow of every workflow that has none (a job)'),
	})
	.strict();
export type ReportingRequest = z.infer<typeof reportingRequestSchema>;

export interface ReportingStatus {
	installed: boolean;
	/** The reporting workflow's id in n8n. */
	workflowId: string | null;
	/** Whether the last inventory sync saw it in n8n. */
	workflowPresent: boolean;
	/** Where it reports to: the companion as that n8n reaches it. */
	companionUrl: string | null;
	hookUrl: string | null;
	installedAt: string | null;
	/** When the last report arrived: the proof it works. */
	lastReceivedAt: string | null;
	/** Failures reported by it in the last 24 hours. */
	reportedLast24h: number;
}

type ReportingDeps = EnvironmentDeps & { jobs: Jobs; publicUrl: string };

/**
 * Installs the failure-reporting workflow into an environment, or installs it again (a new secret,
 * the same workflow when n8n still has it). Optionally makes it, in a job, the error workflow of each
 * workflow that has none. Audited.
 */
export async function installFailureReporting(
	deps: ReportingDeps,
	context: AuditContext,
	environmentId: string,
	request: ReportingRequest,
): Promise<{ reporting: ReportingStatus; job?: Job }> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	const companionUrl = (request.companionUrl ?? deps.publicUrl).replace(/\/+$/, '');
	const secret = crypto.randomBytes(32).toString('hex');
	const workflow = reportingWorkflow(hookUrlOf(companionUrl, environmentId), secret);
	const existing = await deps.db
		.selectFrom('failure_reporting')
		.select('workflow_id')
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	const written =
		(existing && (await updateIfPresent(client, existing.workflow_id, workflow))) ??
		(await client.createWorkflow(workflow));
	// n8n 2.x runs an error workflow's published version only: the one just written is published.
	if ((await client.majorVersion()) === 2) await client.setActive(written.id, true);
	const installed = await client.getWorkflow(written.id);
	const row = {
		environment_id: environmentId,
		secret_sealed: deps.secrets.seal(secret),
		workflow_id: installed.id,
		companion_url: companionUrl,
		installed_at: new Date().toISOString(),
		installed_by: context.actor.id,
	};
	await deps.db.transaction().execute(async (trx) => {
		await trx
			.insertInto('failure_reporting')
			.values(row)
			.onConflict((oc) => oc.column('environment_id').doUpdateSet(row))
			.execute();
		await refreshInventoryRow(trx, environmentId, installed);
		await appendAudit(trx, context, {
			action: 'failure_reporting.install',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
			metadata: { workflowId: installed.id, companionUrl, setAsErrorWorkflow: request.setAsErrorWorkflow },
		});
	});
	const job = request.setAsErrorWorkflow
		? await startSettingErrorWorkflow(deps, context, environmentId, installed.id)
		: undefined;
	return { reporting: await reportingStatus(deps.db, environmentId), ...(job && { job }) };
}

/** The workflow updated in place, or undefined when n8n no longer has it. */
async function updateIfPresent(
	client: N8nClient,
	id: string,
	workflow: WorkflowInput,
): Promise<N8nWorkflow | undefined> {
	try {
		return await client.updateWorkflow(id, workflow);
	} catch (error) {
		if (error instanceof N8nError && error.status === 404) return undefined;
		throw error;
	}
}

/** Makes the reporting workflow the error workflow of every workflow of the environment that has none. */
async function startSettingErrorWorkflow(
	deps: ReportingDeps,
	context: AuditContext,
	environmentId: string,
	reportingId: string,
): Promise<Job> {
	const others = await deps.db
		.selectFrom('workflow_inventory')
		.select('n8n_id')
		.where('environment_id', '=', environmentId)
		.where('n8n_id', '!=', reportingId)
		.execute();
	return startBulk(
		deps,
		context,
		environmentId,
		others.map((row) => row.n8n_id),
		{
			kind: 'workflows.error_workflow',
			busy: 'Error workflows are being set in this environment already',
			action: 'workflow.set_error_workflow',
			about: { errorWorkflow: reportingId },
			apply: async (client, live) => {
				if (live.settings?.errorWorkflow) return false;
				// n8n 2.x publishes what is written to a published workflow: its draft would go live.
				if (hasUnpublishedDraft(live))
					throw new Error('it has a draft saved since it was published: publish or discard the draft first');
				await client.updateWorkflow(live.id, { ...live, settings: { ...live.settings, errorWorkflow: reportingId } });
				return true;
			},
			check: (readBack) =>
				readBack.settings?.errorWorkflow === reportingId
					? undefined
					: 'n8n accepted the error workflow but does not report it set',
		},
	);
}

export async function reportingStatus(db: Db, environmentId: string): Promise<ReportingStatus> {
	await getEnvironmentRow(db, environmentId);
	const row = await db
		.selectFrom('failure_reporting')
		.leftJoin('workflow_inventory', (join) =>
			join
				.onRef('workflow_inventory.environment_id', '=', 'failure_reporting.environment_id')
				.onRef('workflow_inventory.n8n_id', '=', 'failure_reporting.workflow_id'),
		)
		.select([
			'failure_reporting.workflow_id',
			'failure_reporting.companion_url',
			'failure_reporting.installed_at',
			'failure_reporting.last_received_at',
			'workflow_inventory.n8n_id as present',
		])
		.where('failure_reporting.environment_id', '=', environmentId)
		.executeTakeFirst();
	const reported = await db
		.selectFrom('failure_reports')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('environment_id', '=', environmentId)
		.where('source', '=', 'n8n')
		.where('received_at', '>', new Date(Date.now() - 86_400_000).toISOString())
		.executeTakeFirstOrThrow();
	return {
		installed: row !== undefined,
		workflowId: row?.workflow_id ?? null,
		workflowPresent: Boolean(row?.present),
		companionUrl: row?.companion_url ?? null,
		hookUrl: row ? hookUrlOf(row.companion_url, environmentId) : null,
		installedAt: row?.installed_at ?? null,
		lastReceivedAt: row?.last_received_at ?? null,
		reportedLast24h: Number(reported.count),
	};
}

const hookUrlOf = (companionUrl: string, environmentId: string) =>
	`${companionUrl}/api/v1${HOOK_PATH.replace(':environmentId', encodeURIComponent(environmentId))}`;

export interface SignedReport {
	timestamp: string | undefined;
	signature: string | undefined;
	body: Buffer;
}

/** The report's signature checked against the environment's secret, and its age against replays. */
export async function verifyFailureReport(
	deps: Pick<EnvironmentDeps, 'db' | 'secrets'>,
	environmentId: string,
	{ timestamp, signature: sent, body }: SignedReport,
): Promise<void> {
	const reporting = await deps.db
		.selectFrom('failure_reporting')
		.select('secret_sealed')
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	if (!reporting) throw notFound('Failure reporting for this environment');
	const seconds = Number(timestamp);
	if (!timestamp || !Number.isInteger(seconds))
		throw new DomainError('unauthenticated', 'The report has no x-workflowops-timestamp header (seconds since 1970)');
	if (Math.abs(Date.now() / 1000 - seconds) > MAX_AGE_S)
		throw new DomainError('unauthenticated', 'The report was signed more than 5 minutes from now: check both clocks');
	const expected = Buffer.from(signature(deps.secrets.open(reporting.secret_sealed), seconds, body.toString('utf8')));
	const given = Buffer.from(sent ?? '');
	if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
		throw new DomainError(
			'unauthenticated',
			'The report’s x-workflowops-signature does not match: install the reporting workflow again',
		);
}

const text = (max: number) => z.string().max(max).nullish();
/** n8n sends ids as text; a number is taken too. */
const id = z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string().min(1).max(100));
export const failureReportSchema = z.object({
	executionId: id.nullish(),
	workflowId: id,
	workflowName: text(500),
	mode: text(50),
	failedNode: text(500),
	errorMessage: text(20_000),
});
export type PushedFailure = z.infer<typeof failureReportSchema>;

/**
 * A failure the reporting workflow pushed (signature verified): the error redacted, then recorded
 * once and announced as `execution.failed`, grouped per workflow per minute.
 */
export async function recordFailureReport(
	deps: Pick<EnvironmentDeps, 'db' | 'events'>,
	environmentId: string,
	report: PushedFailure,
): Promise<{ duplicate: boolean }> {
	const failure = await failureOf(deps.db, report);
	const { fresh, recorded } = await deps.db.transaction().execute(async (trx) => {
		await trx
			.updateTable('failure_reporting')
			.set({ last_received_at: failure.received_at })
			.where('environment_id', '=', environmentId)
			.execute();
		return recordPushedFailures(trx, deps.events, environmentId, [failure]);
	});
	deps.events.dispatch(recorded);
	return { duplicate: fresh === 0 };
}

async function failureOf(db: Db, report: PushedFailure): Promise<FailureReport> {
	const redact = await currentRedactor(db);
	return {
		// A trigger that fails before its execution starts has no execution id.
		execution_id: report.executionId ?? `trigger-${crypto.randomUUID()}`,
		workflow_id: report.workflowId,
		workflow_name: report.workflowName ?? null,
		failed_node: report.failedNode ?? null,
		error_message: report.errorMessage ? redactMessage(redact, report.errorMessage) : null,
		received_at: new Date().toISOString(),
	};
}
