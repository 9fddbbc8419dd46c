import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { headerSecretSchema } from '../header-secret';
import type { Db } from '../../db/database';
import type { EnvironmentClass, EnvironmentRow, Severity } from '../../db/schema';
import type { ConnectionReport, N8nClient, N8nTarget } from '../../n8n/client';
import { appendAudit, type AuditContext, type AuditEvent } from '../audit/audit-log';
import { slaHoursSchema, slaHours } from '../drift/severity';
import { conflict, notFound } from '../errors';
import type { EventSink } from '../events/events';
import { recordHealthSample } from '../health/health-history';
import type { SecretBox } from '../secrets';

export const ENVIRONMENT_CLASSES: readonly EnvironmentClass[] = ['dev', 'staging', 'prod'];

const baseUrlSchema = z
	.string()
	.trim()
	.refine(isHttpUrl, 'must be an http:// or https:// URL such as https://n8n.example.com')
	// People paste the API URL; the base is the instance root.
	.transform((value) => value.replace(/\/+$/, '').replace(/\/api\/v1$/i, ''));

const environmentFields = {
	name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
	baseUrl: baseUrlSchema,
	class: z.enum(ENVIRONMENT_CLASSES as [EnvironmentClass, ...EnvironmentClass[]], {
		error: 'must be dev, staging or prod',
	}),
	apiKey: headerSecretSchema(4096),
	notes: z.string().max(2000, 'must be at most 2000 characters'),
	incidentSlaHours: slaHoursSchema,
};

export const newEnvironmentSchema = z.object({
	...environmentFields,
	notes: environmentFields.notes.default(''),
	incidentSlaHours: slaHoursSchema.optional(),
});
export const environmentPatchSchema = z.object(environmentFields).partial();
export type NewEnvironment = z.infer<typeof newEnvironmentSchema>;
export type EnvironmentPatch = z.infer<typeof environmentPatchSchema>;

export interface Environment {
	id: string;
	name: string;
	baseUrl: string;
	class: EnvironmentClass;
	notes: string;
	createdAt: string;
	updatedAt: string;
	lastTest: (ConnectionReport & { at: string }) | null;
	lastSyncAt: string | null;
	/** Hours to resolve a drift incident, per severity. */
	incidentSlaHours: Record<Severity, number>;
}

export interface EnvironmentDeps {
	db: Db;
	secrets: SecretBox;
	n8nClient: (target: N8nTarget) => N8nClient;
	events: EventSink;
	/** This companion process, among the replicas serving the database (service/jobs/replicas.ts). */
	replicaId: string;
	clock: Clock;
}

/** The public view: everything but the API key. */
export function toEnvironment(row: EnvironmentRow): Environment {
	return {
		id: row.id,
		name: row.name,
		baseUrl: row.base_url,
		class: row.class,
		notes: row.notes,
		createdAt: row.created_at,
		updatedAt: row.updated_at,
		lastSyncAt: row.last_sync_at,
		incidentSlaHours: slaHours(row),
		lastTest:
			row.last_test_at && row.last_test_result
				? { ...(JSON.parse(row.last_test_result) as ConnectionReport), at: row.last_test_at }
				: null,
	};
}

export async function listEnvironments(db: Db): Promise<Environment[]> {
	const rows = await db.selectFrom('environments').selectAll().orderBy('name').execute();
	return rows.map(toEnvironment);
}

export async function getEnvironmentRow(db: Db, id: string): Promise<EnvironmentRow> {
	const row = await db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Environment');
	return row;
}

export async function createEnvironment(
	deps: EnvironmentDeps,
	context: AuditContext,
	input: NewEnvironment,
): Promise<Environment> {
	const now = new Date().toISOString();
	const row: EnvironmentRow = {
		id: crypto.randomUUID(),
		name: input.name,
		base_url: input.baseUrl,
		class: input.class,
		api_key_sealed: deps.secrets.seal(input.apiKey),
		notes: input.notes,
		created_at: now,
		updated_at: now,
		last_test_at: null,
		last_test_result: null,
		last_sync_at: null,
		incident_sla_hours: input.incidentSlaHours ? JSON.stringify(input.incidentSlaHours) : null,
		last_scheduled_check_at: null,
		last_scheduled_check_error: null,
		baseline_approved_at: null,
	};
	await deps.db.transaction().execute(async (trx) => {
		await assertNameFree(trx, row.name);
		await trx.insertInto('environments').values(row).execute();
		await appendAudit(
			trx,
			context,
			environmentEvent('environment.create', row.id, { name: row.name, baseUrl: row.base_url, class: row.class }),
		);
	});
	return toEnvironment(row);
}

export async function updateEnvironment(
	deps: EnvironmentDeps,
	context: AuditContext,
	id: string,
	patch: EnvironmentPatch,
): Promise<Environment> {
	return deps.db.transaction().execute(async (trx) => {
		const current = await getEnvironmentRow(trx, id);
		if (patch.name !== undefined && patch.name.toLowerCase() !== current.name.toLowerCase())
			await assertNameFree(trx, patch.name);
		const changes: Partial<EnvironmentRow> = {
			...(patch.name !== undefined && { name: patch.name }),
			...(patch.baseUrl !== undefined && { base_url: patch.baseUrl }),
			...(patch.class !== undefined && { class: patch.class }),
			...(patch.notes !== undefined && { notes: patch.notes }),
			...(patch.incidentSlaHours !== undefined && { incident_sla_hours: JSON.stringify(patch.incidentSlaHours) }),
			...(patch.apiKey !== undefined && { api_key_sealed: deps.secrets.seal(patch.apiKey) }),
		};
		const updated = { ...current, ...changes, updated_at: new Date().toISOString() };
		await trx.updateTable('environments').set(updated).where('id', '=', id).execute();
		const { apiKey, ...visible } = patch;
		await appendAudit(
			trx,
			context,
			environmentEvent('environment.update', id, {
				name: updated.name,
				changed: { ...visible, ...(apiKey !== undefined && { apiKey: '(replaced)' }) },
			}),
		);
		return toEnvironment(updated);
	});
}

/** Deletes the environment; its audit entries stay (they keep its id and, in metadata, its name). */
export async function deleteEnvironment(db: Db, context: AuditContext, id: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const current = await getEnvironmentRow(trx, id);
		const pipelines = await trx
			.selectFrom('pipeline_stages')
			.innerJoin('pipelines', 'pipelines.id', 'pipeline_stages.pipeline_id')
			.select('pipelines.name')
			.distinct()
			.where((eb) => eb.or([eb('source_environment_id', '=', id), eb('target_environment_id', '=', id)]))
			.execute();
		if (pipelines.length)
			throw conflict(
				`"${current.name}" is a stage of the pipeline${pipelines.length > 1 ? 's' : ''} ${pipelines.map((row) => `"${row.name}"`).join(', ')}: change or delete ${pipelines.length > 1 ? 'them' : 'it'} first`,
			);
		await trx.deleteFrom('environments').where('id', '=', id).execute();
		await appendAudit(
			trx,
			context,
			environmentEvent('environment.delete', id, {
				name: current.name,
				baseUrl: current.base_url,
				class: current.class,
			}),
		);
	});
}

export function n8nTarget(deps: Pick<EnvironmentDeps, 'secrets'>, row: EnvironmentRow): N8nTarget {
	return { name: row.name, baseUrl: row.base_url, apiKey: deps.secrets.open(row.api_key_sealed) };
}

/** Test connection: probes the instance and records the result on the environment. */
export async function testEnvironment(deps: EnvironmentDeps, context: AuditContext, id: string): Promise<Environment> {
	const row = await getEnvironmentRow(deps.db, id);
	const checked = await probe(deps, row);
	const recorded = await deps.db.transaction().execute(async (trx) => {
		const { report } = checked;
		await appendAudit(
			trx,
			context,
			environmentEvent('environment.test', id, { ok: report.ok, errorKind: report.errorKind, version: report.version }),
		);
		return recordCheck(trx, deps.events, row, checked);
	});
	deps.events.dispatch(recorded);
	return { ...toEnvironment(row), lastTest: { ...checked.report, at: checked.at } };
}

/** The scheduled health check: reachable, authorised, which version; kept as the last test, not audited. */
export async function checkHealth(deps: EnvironmentDeps, row: EnvironmentRow): Promise<ConnectionReport> {
	const checked = await probe(deps, row);
	deps.events.dispatch(await deps.db.transaction().execute((trx) => recordCheck(trx, deps.events, row, checked)));
	return checked.report;
}

interface Check {
	report: ConnectionReport;
	at: string;
	latencyMs: number;
}

async function probe(deps: EnvironmentDeps, row: EnvironmentRow): Promise<Check> {
	const started = performance.now();
	const report = await deps.n8nClient(n8nTarget(deps, row)).probe();
	return { report, at: new Date().toISOString(), latencyMs: performance.now() - started };
}

/** Keeps a check as the environment's last test and in its health history; returns the events to dispatch. */
async function recordCheck(trx: Db, events: EventSink, row: EnvironmentRow, { report, at, latencyMs }: Check) {
	await trx
		.updateTable('environments')
		.set({ last_test_at: at, last_test_result: JSON.stringify(report) })
		.where('id', '=', row.id)
		.execute();
	return recordHealthSample(trx, events, row, report, at, latencyMs);
}

async function assertNameFree(db: Db, name: string): Promise<void> {
	const taken = await db
		.selectFrom('environments')
		.select('id')
		.where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
		.executeTakeFirst();
	if (taken) throw conflict(`An environment named "${name}" already exists`);
}

export function isHttpUrl(value: string): boolean {
	return /^https?:\/\//i.test(value) && URL.canParse(value);
}

function environmentEvent(action: string, id: string, metadata: Record<string, unknown>): AuditEvent {
	return { action, resourceType: 'environment', resourceId: id, environmentId: id, metadata };
}
