import type { Db } from '../db/database';
import type { AuditContext } from './audit/audit-log';

/** The tables that hold one row (id 1) of settings as JSON, set by an admin. */
type SettingsTable = 'content_rule_settings' | 'redaction_settings' | 'retention_settings';

/** The settings a table holds, or `defaults` when none were set. */
export async function readSettings<T>(db: Db, table: SettingsTable, defaults: T): Promise<T> {
	const row = await db.selectFrom(table).select('settings').where('id', '=', 1).executeTakeFirst();
	return row ? (JSON.parse(row.settings) as T) : structuredClone(defaults);
}

/** Writes a table's settings, saying who set them and when (in the caller's transaction, with its audit entry). */
export async function writeSettings(db: Db, table: SettingsTable, context: AuditContext, settings: unknown) {
	const row = {
		id: 1,
		settings: JSON.stringify(settings),
		updated_by: context.actor.name ?? context.actor.type,
		updated_at: new Date().toISOString(),
	};
	await db
		.insertInto(table)
		.values(row)
		.onConflict((oc) => oc.column('id').doUpdateSet(row))
		.execute();
}
