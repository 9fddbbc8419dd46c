import { DomainError } from '../errors';
import type { Role } from '../../db/schema';

export const ROLES: readonly Role[] = ['viewer', 'developer', 'admin'];

/**
 * Who may do what: each permission names the least role that has it; a higher role has everything a
 * lower one has. Viewer reads everything but the audit log and secrets; developer also acts on
 * environments (tests, and later snapshots, drift checks and promotion requests); admin also manages
 * environments, users and tokens and reads the audit log.
 */
export const PERMISSIONS = {
	'me.read': 'viewer',
	'environments.read': 'viewer',
	'environments.test': 'developer',
	'environments.sync': 'developer',
	'workflows.read': 'viewer',
	'workflows.link': 'admin',
	'workflows.operate': 'admin',
	'operations.approve': 'admin',
	'policies.manage': 'admin',
	'jobs.read': 'viewer',
	'executions.read': 'viewer',
	'executions.index': 'developer',
	'executions.operate': 'admin',
	'snapshots.read': 'viewer',
	'snapshots.create': 'developer',
	'snapshots.delete': 'admin',
	'snapshots.restore': 'admin',
	'drift.read': 'viewer',
	'drift.check': 'developer',
	'incidents.acknowledge': 'developer',
	'incidents.resolve': 'developer',
	'baselines.approve': 'admin',
	'webhooks.manage': 'developer',
	'pipelines.read': 'viewer',
	'promotions.read': 'viewer',
	'promotions.request': 'developer',
	'promotions.approve': 'admin',
	'promotions.execute': 'admin',
	'pipelines.manage': 'admin',
	'environments.manage': 'admin',
	'audit.write': 'developer',
	'audit.read': 'admin',
	'users.manage': 'admin',
	'tokens.manage': 'admin',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
	return ROLES.indexOf(role) >= ROLES.indexOf(PERMISSIONS[permission]);
}

export function requirePermission(role: Role, permission: Permission): void {
	if (!can(role, permission))
		throw new DomainError('forbidden', `Your role (${role}) may not do this: it needs the ${permission} permission`);
}
