import type { Db } from '../../db/database';
import type { AuditEntry } from './audit-query';

/** What an audit page shows for an id: its name where known, and whether the thing still exists. */
export interface AuditName {
	name: string | null;
	gone: boolean;
}

/** Names of the environments and resources some audit entries point at, keyed `type:id`. */
export type AuditNames = Map<string, AuditName>;

const NAMED_TABLES = {
	environment: { table: 'environments', column: 'name' },
	user: { table: 'users', column: 'email' },
	token: { table: 'api_tokens', column: 'name' },
	snapshot: { table: 'snapshots', column: 'label' },
	webhook: { table: 'webhook_subscriptions', column: 'url' },
	pipeline: { table: 'pipelines', column: 'name' },
} as const;
type NamedType = keyof typeof NAMED_TABLES;

export async function auditNames(db: Db, entries: AuditEntry[]): Promise<AuditNames> {
	const wanted = new Map<NamedType, Set<string>>();
	const want = (type: string | null, id: string | null) => {
		if (!id || !type || !(type in NAMED_TABLES)) return;
		const ids = wanted.get(type as NamedType) ?? new Set<string>();
		wanted.set(type as NamedType, ids.add(id));
	};
	for (const entry of entries) {
		want('environment', entry.environmentId);
		want(entry.resourceType, entry.resourceId);
	}
	const names: AuditNames = new Map();
	for (const [type, ids] of wanted) {
		const { table, column } = NAMED_TABLES[type];
		const rows = await db
			.selectFrom(table)
			.select(['id', `${column} as name`])
			.where('id', 'in', [...ids])
			.execute();
		for (const row of rows) names.set(`${type}:${row.id}`, { name: String(row.name), gone: false });
		for (const id of ids) if (!names.has(`${type}:${id}`)) names.set(`${type}:${id}`, { name: null, gone: true });
	}
	await nameDeletedEnvironments(db, wanted.get('environment'), names);
	return names;
}

/** A deleted environment is named by its deletion's own audit entry. */
async function nameDeletedEnvironments(db: Db, ids: Set<string> | undefined, names: AuditNames): Promise<void> {
	const deleted = [...(ids ?? [])].filter((id) => names.get(`environment:${id}`)?.gone);
	if (!deleted.length) return;
	const rows = await db
		.selectFrom('audit_log')
		.select(['resource_id', 'metadata'])
		.where('action', '=', 'environment.delete')
		.where('resource_id', 'in', deleted)
		.execute();
	for (const row of rows) {
		const { name } = JSON.parse(row.metadata) as { name?: unknown };
		if (typeof name === 'string') names.set(`environment:${row.resource_id}`, { name, gone: true });
	}
}
