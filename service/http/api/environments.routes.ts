import {
	createEnvironment,
	deleteEnvironment,
	environmentPatchSchema,
	getEnvironmentRow,
	listEnvironments,
	newEnvironmentSchema,
	testEnvironment,
	toEnvironment,
	updateEnvironment,
} from '../../domain/environments/environments';
import { healthHistory } from '../../domain/health/health-history';
import type { AppDeps } from '../deps';
import { rescheduled } from '../rescheduled';
import { apiRoute, idParams } from '../route';

export const environmentRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/environments',
		summary: 'List governed n8n instances',
		permission: 'environments.read',
		handler: async () => ({ data: await listEnvironments(deps.db), nextCursor: null }),
	}),
	apiRoute({
		method: 'post',
		path: '/environments',
		summary: 'Add an n8n instance (its API key is stored encrypted and never returned)',
		permission: 'environments.manage',
		body: newEnvironmentSchema,
		status: 201,
		handler: async ({ body, audit }) => rescheduled(deps, await createEnvironment(deps, audit, body)),
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id',
		summary: 'One environment',
		permission: 'environments.read',
		params: idParams,
		handler: async ({ params }) => toEnvironment(await getEnvironmentRow(deps.db, params.id)),
	}),
	apiRoute({
		method: 'patch',
		path: '/environments/:id',
		summary: 'Change an environment; send apiKey only to replace it',
		permission: 'environments.manage',
		params: idParams,
		body: environmentPatchSchema,
		handler: async ({ params, body, audit }) =>
			rescheduled(deps, await updateEnvironment(deps, audit, params.id, body)),
	}),
	apiRoute({
		method: 'delete',
		path: '/environments/:id',
		summary: 'Remove an environment (its audit history stays)',
		permission: 'environments.manage',
		params: idParams,
		handler: async ({ params, audit }) => {
			await deleteEnvironment(deps.db, audit, params.id);
			await rescheduled(deps, undefined);
		},
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/test',
		summary: 'Test the connection: reachable, authenticated, n8n version',
		permission: 'environments.test',
		params: idParams,
		handler: async ({ params, audit }) => (await testEnvironment(deps, audit, params.id)).lastTest,
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/health',
		summary:
			'Its health over time: up or down (down after two failed checks in a row) and since when, uptime over 24 h, 7 d and 30 d, latency, the last error, version changes',
		permission: 'environments.read',
		params: idParams,
		handler: async ({ params }) => healthHistory(deps.db, params.id, deps.clock()),
	}),
];
