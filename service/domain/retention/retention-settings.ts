import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { readSettings, writeSettings } from '../settings-row';

/**
 * Each kind of data the companion prunes: how long it keeps it by default (days, or for snapshots the
 * newest per environment), the least an admin may set, and what it is, in words.
 */
export const RETENTION_KINDS = {
	executions: { days: 90, least: 7, what: 'indexed executions (their hourly rollups stay)' },
	rollups: { days: 730, least: 31, what: 'execution rollups and error groups, behind analytics' },
	failureReports: { days: 7, least: 1, what: 'failures received from n8n' },
	driftChecks: { days: 90, least: 7, what: 'drift checks (never the latest, nor one an incident refers to)' },
	healthSamples: { days: 90, least: 31, what: 'health checks, behind uptime' },
	webhookDeliveries: { days: 30, least: 1, what: 'sent or given-up webhook deliveries' },
	jobs: { days: 90, least: 1, what: 'finished jobs' },
} as const;
export type RetentionKind = keyof typeof RETENTION_KINDS;
const KIND_NAMES = Object.keys(RETENTION_KINDS) as RetentionKind[];
/** One value per aged kind. */
const perKind = <T>(value: (kind: RetentionKind) => T) =>
	Object.fromEntries(KIND_NAMES.map((kind) => [kind, value(kind)])) as Record<RetentionKind, T>;

/** Snapshots are counted, not aged: the newest of each environment are kept, and any a change refers to. */
export const SNAPSHOTS_KEPT = { default: 50, least: 5, most: 10_000 };

export type RetentionSettings = Record<RetentionKind, number> & { snapshots: number };

export const DEFAULT_RETENTION = {
	...perKind((kind) => RETENTION_KINDS[kind].days),
	snapshots: SNAPSHOTS_KEPT.default,
};

const days = (kind: RetentionKind) =>
	z
		.number()
		.int()
		.min(RETENTION_KINDS[kind].least)
		.max(36_500)
		.describe(`days to keep ${RETENTION_KINDS[kind].what}; default ${RETENTION_KINDS[kind].days}`);

export const retentionSettingsSchema = z
	.object({
		...perKind(days),
		snapshots: z
			.number()
			.int()
			.min(SNAPSHOTS_KEPT.least)
			.max(SNAPSHOTS_KEPT.most)
			.describe(
				`snapshots kept per environment, newest first (any a promotion, restore or revert refers to is kept too); default ${SNAPSHOTS_KEPT.default}`,
			),
	})
	.strict();

export async function retentionSettings(db: Db): Promise<RetentionSettings> {
	// Kinds added after the settings were saved take their defaults.
	return { ...DEFAULT_RETENTION, ...(await readSettings(db, 'retention_settings', DEFAULT_RETENTION)) };
}

/** Sets how long each kind of data is kept (admin); audited with what changed. */
export async function updateRetentionSettings(
	db: Db,
	context: AuditContext,
	settings: RetentionSettings,
): Promise<RetentionSettings> {
	return db.transaction().execute(async (trx) => {
		const before = await retentionSettings(trx);
		await writeSettings(trx, 'retention_settings', context, settings);
		const changed = Object.fromEntries(
			Object.entries(settings)
				.filter(([kind, value]) => before[kind as keyof RetentionSettings] !== value)
				.map(([kind, value]) => [kind, { from: before[kind as keyof RetentionSettings], to: value }]),
		);
		await appendAudit(trx, context, {
			action: 'settings.retention_update',
			resourceType: 'retention',
			metadata: { changed },
		});
		return settings;
	});
}

/** Each kind in words, snapshots included: for the settings form. */
export const RETENTION_WORDS: Record<keyof RetentionSettings, string> = {
	...perKind((kind) => RETENTION_KINDS[kind].what),
	snapshots: 'snapshots (beyond the newest of each environment)',
};

/** The least each setting may be. */
export const RETENTION_LEAST: Record<keyof RetentionSettings, number> = {
	...perKind((kind) => RETENTION_KINDS[kind].least),
	snapshots: SNAPSHOTS_KEPT.least,
};

/** When the retention last ran, and what it removed of each kind. */
export async function lastRetention(db: Db): Promise<{ at: string; removed: Record<string, number> } | null> {
	const row = await db
		.selectFrom('audit_log')
		.select(['at', 'metadata'])
		.where('action', '=', 'retention.enforce')
		.orderBy('id', 'desc')
		.executeTakeFirst();
	return row
		? { at: row.at, removed: (JSON.parse(row.metadata) as { removed: Record<string, number> }).removed }
		: null;
}
