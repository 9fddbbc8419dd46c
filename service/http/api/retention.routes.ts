import { enforceRetentionJob } from '../../domain/retention/enforce-retention';
import {
	retentionSettings,
	retentionSettingsSchema,
	updateRetentionSettings,
} from '../../domain/retention/retention-settings';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';

/** How long the companion keeps each kind of its data, and pruning it now. */
export const retentionRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/settings/retention',
		summary:
			'How long each kind of data is kept (days; snapshots: how many per environment). The audit log is never pruned',
		permission: 'policies.manage',
		handler: async () => retentionSettings(deps.db),
	}),
	apiRoute({
		method: 'put',
		path: '/settings/retention',
		summary: 'Set how long each kind of data is kept; audited with what changed',
		permission: 'policies.manage',
		body: retentionSettingsSchema,
		handler: async ({ body, audit }) => updateRetentionSettings(deps.db, audit, body),
	}),
	apiRoute({
		method: 'post',
		path: '/retention/run',
		summary:
			'Prune now what the retention settings no longer keep (it runs daily by itself): a job whose result counts what each kind lost and the bytes given back; audited',
		permission: 'policies.manage',
		status: 202,
		handler: async ({ audit }) => enforceRetentionJob(deps, audit),
	}),
];
