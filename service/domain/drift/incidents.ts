import crypto from 'node:crypto';
import type { Clock } from '../../clock';
import { z } from 'zod';
import type { Db } from '../../db/database';
import { jsonArrayFieldLines } from '../../db/dialect';
import { containsText } from '../../db/like';
import { sql, type Transaction } from 'kysely';
import type { Database, EnvironmentRow, IncidentsTable, IncidentStatus, Resolution, Severity } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { conflict, notFound } from '../errors';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import type { EventSink } from '../events/events';
import { maxRisk } from '../workflows/risk';
import { recordIncidentEvent } from './drift-events';
import type { DriftCheck, DriftItem } from './drift-check';
import { moreSevere, SEVERITIES, SEVERITY, slaHours } from './severity';

export interface Incident {
	id: string;
	environmentId: string;
	status: IncidentStatus;
	severity: Severity;
	/** The drifted workflows, as the last check that found them saw them. */
	items: DriftItem[];
	lastCheckId: string;
	openedAt: string;
	updatedAt: string;
	slaDueAt: string;
	slaBreachedAt: string | null;
	acknowledged: { by: string | null; at: string; note: string } | null;
	resolved: { by: string | null; at: string; note: string; resolution: Resolution } | null;
}

/** What a drift check did to the environment's incident; `unchanged`: the same drift seen again. */
export interface IncidentChange {
	kind: 'opened' | 'updated' | 'unchanged' | 'resolved';
	incident: Incident;
}

export const incidentListSchema = pageQuerySchema.extend({
	environmentId: z.string().min(1).optional(),
	status: z.enum(['OPEN', 'ACKNOWLEDGED', 'RESOLVED']).optional(),
	severity: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional(),
	q: z
		.string()
		.trim()
		.min(1)
		.max(200)
		.optional()
		.describe('part of the environment’s name or of a drifted workflow’s name'),
});

export const acknowledgeSchema = z.object({ note: z.string().trim().max(2000).default('') });

export const resolveSchema = z
	.object({
		resolution: z
			.enum(['keep', 'revert', 'note'])
			.describe(
				'keep: live becomes the baseline (admin); revert: the baseline is written back to n8n (admin); note: closed with an explanation',
			),
		note: z.string().trim().max(2000).default(''),
		confirm: z
			.boolean()
			.default(false)
			.describe('revert: go ahead where the environment’s class policy warns about restores (audited)'),
	})
	.refine((body) => body.resolution !== 'note' || body.note, {
		path: ['note'],
		message: 'must explain why the incident is closed',
	});
export type ResolveRequest = z.infer<typeof resolveSchema>;

const toIncident = (row: IncidentsTable): Incident => ({
	id: row.id,
	environmentId: row.environment_id,
	status: row.status,
	severity: row.severity,
	items: JSON.parse(row.items) as DriftItem[],
	lastCheckId: row.last_check_id,
	openedAt: row.opened_at,
	updatedAt: row.updated_at,
	slaDueAt: row.sla_due_at,
	slaBreachedAt: row.sla_breached_at,
	acknowledged: row.acknowledged_at
		? { by: row.acknowledged_by, at: row.acknowledged_at, note: row.acknowledge_note ?? '' }
		: null,
	resolved: row.resolved_at
		? { by: row.resolved_by, at: row.resolved_at, note: row.resolve_note ?? '', resolution: row.resolution! }
		: null,
});

const hoursLater = (from: string, hours: number) => new Date(Date.parse(from) + hours * 3_600_000).toISOString();

async function openIncidentRow(db: Db, environmentId: string): Promise<IncidentsTable | undefined> {
	return db
		.selectFrom('incidents')
		.selectAll()
		.where('environment_id', '=', environmentId)
		.where('status', '!=', 'RESOLVED')
		.executeTakeFirst();
}

/**
 * Part of a check's transaction: drift opens the environment's incident, or updates the open one (its
 * severity only rises and its SLA due time only gets earlier while it is open); a check back in sync resolves it. Checks that failed or found
 * no baseline change nothing. Unpublished drafts are reported by the check but are not drift.
 */
export async function recordIncident(
	trx: Transaction<Database>,
	context: AuditContext,
	environment: EnvironmentRow,
	check: DriftCheck,
): Promise<IncidentChange | null> {
	if (check.status === 'ERROR' || check.status === 'NEW') return null;
	const open = await openIncidentRow(trx, environment.id);
	const drift = check.items.filter((item) => item.status !== 'DRAFT_CHANGED');
	const now = check.finishedAt;
	if (!drift.length) {
		if (!open) return null;
		const resolved: IncidentsTable = {
			...open,
			status: 'RESOLVED',
			resolution: 'auto',
			resolved_by: null,
			resolved_at: now,
			resolve_note: 'A drift check found the environment back in sync',
			last_check_id: check.id,
			updated_at: now,
		};
		await trx.updateTable('incidents').set(resolved).where('id', '=', open.id).execute();
		await audit(trx, context, 'incident.resolve', resolved, { resolution: 'auto', checkId: check.id });
		return { kind: 'resolved', incident: toIncident(resolved) };
	}
	const severity = SEVERITY[maxRisk(drift.map((item) => item.risk ?? 'LOW'))!][environment.class];
	const sla = slaHours(environment);
	if (open) {
		const due = hoursLater(open.opened_at, sla[severity]);
		const updated: IncidentsTable = {
			...open,
			severity: moreSevere(open.severity, severity),
			items: JSON.stringify(drift),
			last_check_id: check.id,
			updated_at: now,
			sla_due_at: due < open.sla_due_at ? due : open.sla_due_at,
		};
		await trx.updateTable('incidents').set(updated).where('id', '=', open.id).execute();
		const same =
			driftKey(JSON.parse(open.items) as DriftItem[]) === driftKey(drift) && updated.severity === open.severity;
		return { kind: same ? 'unchanged' : 'updated', incident: toIncident(updated) };
	}
	const row: IncidentsTable = {
		id: crypto.randomUUID(),
		environment_id: environment.id,
		status: 'OPEN',
		severity,
		items: JSON.stringify(drift),
		last_check_id: check.id,
		opened_at: now,
		updated_at: now,
		sla_due_at: hoursLater(now, sla[severity]),
		sla_breached_at: null,
		acknowledged_by: null,
		acknowledged_at: null,
		acknowledge_note: null,
		resolution: null,
		resolved_by: null,
		resolved_at: null,
		resolve_note: null,
	};
	await trx.insertInto('incidents').values(row).execute();
	await audit(trx, context, 'incident.open', row, { severity, workflows: drift.length, checkId: check.id });
	return { kind: 'opened', incident: toIncident(row) };
}

/** Which workflows drifted how, and to what content. */
const driftKey = (items: DriftItem[]) =>
	JSON.stringify(items.map((item) => [item.workflowId, item.status, item.liveContentHash ?? null]).sort());

function audit(
	trx: Transaction<Database>,
	context: AuditContext,
	action: string,
	row: IncidentsTable,
	metadata: Record<string, unknown>,
) {
	return appendAudit(trx, context, {
		action,
		resourceType: 'incident',
		resourceId: row.id,
		environmentId: row.environment_id,
		metadata,
	});
}

export async function getIncidentRow(db: Db, id: string): Promise<IncidentsTable> {
	const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Incident');
	return row;
}

export async function getIncident(db: Db, id: string): Promise<Incident> {
	return toIncident(await getIncidentRow(db, id));
}

export async function listIncidents(db: Db, query: z.infer<typeof incidentListSchema>): Promise<Page<Incident>> {
	let select = db.selectFrom('incidents').selectAll();
	if (query.environmentId) select = select.where('environment_id', '=', query.environmentId);
	if (query.status) select = select.where('status', '=', query.status);
	if (query.severity) select = select.where('severity', '=', query.severity);
	const q = query.q;
	if (q)
		select = select.where(({ or, exists, selectFrom }) =>
			or([
				exists(
					selectFrom('environments')
						.select('id')
						.whereRef('environments.id', '=', 'incidents.environment_id')
						.where(containsText(sql.ref('environments.name'), q)),
				),
				containsText(jsonArrayFieldLines(db, 'incidents.items', 'name'), q),
			]),
		);
	return offsetPage(
		query,
		(limit, offset) => select.orderBy('opened_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
		toIncident,
	);
}

export async function acknowledgeIncident(
	deps: { db: Db; events: EventSink },
	context: AuditContext,
	id: string,
	note: string,
): Promise<Incident> {
	const { incident, recorded } = await deps.db.transaction().execute(async (trx) => {
		const row = await getIncidentRow(trx, id);
		if (row.status !== 'OPEN') throw conflict(`The incident is ${row.status.toLowerCase()}, not open`);
		const now = new Date().toISOString();
		const updated: IncidentsTable = {
			...row,
			status: 'ACKNOWLEDGED',
			acknowledged_by: context.actor.name,
			acknowledged_at: now,
			acknowledge_note: note,
			updated_at: now,
		};
		await trx.updateTable('incidents').set(updated).where('id', '=', id).execute();
		await audit(trx, context, 'incident.acknowledge', updated, { note });
		const acknowledged = toIncident(updated);
		return {
			incident: acknowledged,
			recorded: await recordIncidentEvent(trx, deps.events, 'incident.acknowledged', acknowledged),
		};
	});
	deps.events.dispatch(recorded);
	return incident;
}

/** Closes an open incident with `resolution`; part of the transaction that made the resolution so. */
export async function closeIncident(
	trx: Transaction<Database>,
	context: AuditContext,
	id: string,
	resolution: Resolution,
	note: string,
): Promise<Incident> {
	const row = await getIncidentRow(trx, id);
	if (row.status === 'RESOLVED') throw conflict('The incident is already resolved');
	const now = new Date().toISOString();
	const resolved: IncidentsTable = {
		...row,
		status: 'RESOLVED',
		resolution,
		resolved_by: context.actor.name,
		resolved_at: now,
		resolve_note: note,
		updated_at: now,
	};
	await trx.updateTable('incidents').set(resolved).where('id', '=', id).execute();
	await audit(trx, context, 'incident.resolve', resolved, { resolution, note });
	return toIncident(resolved);
}

/** Marks the open incidents whose SLA has passed (once each), announces each, and returns them. */
export async function markSlaBreaches(
	{ db, events, clock }: { db: Db; events: EventSink; clock: Clock },
	context: AuditContext,
): Promise<Incident[]> {
	const now = clock().toISOString();
	const { incidents, recorded } = await db.transaction().execute(async (trx) => {
		const breached = await trx
			.updateTable('incidents')
			.set({ sla_breached_at: now })
			.where('status', '!=', 'RESOLVED')
			.where('sla_due_at', '<', now)
			.where('sla_breached_at', 'is', null)
			.returningAll()
			.execute();
		const marked = breached.map(toIncident);
		const announced: string[] = [];
		for (const [i, row] of breached.entries()) {
			await audit(trx, context, 'incident.sla_breached', row, { dueAt: row.sla_due_at });
			announced.push(...(await recordIncidentEvent(trx, events, 'incident.sla_breached', marked[i])));
		}
		return { incidents: marked, recorded: announced };
	});
	events.dispatch(recorded);
	return incidents;
}
