import { startCredentialTests } from '../../domain/credentials/credential-health';
import { credentialMatrix } from '../../domain/credentials/credential-matrix';
import { environmentCredentials } from '../../domain/credentials/credential-use';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const credentialRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/environments/:id/credentials',
		summary:
			'An environment’s credentials (never their secrets), the synced workflows that use each, and each one’s last test (health)',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => environmentCredentials(deps.db, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/credentials/test',
		summary:
			'Test each synced credential in n8n (2.x; 1.x’s API cannot): a job whose result says how many passed and which fail, with n8n’s reason; each that starts failing is sent as credential.failing',
		permission: 'environments.test',
		params: idParams,
		status: 202,
		handler: async ({ params, audit }) => startCredentialTests(deps, audit, params.id),
	}),
	apiRoute({
		method: 'get',
		path: '/credentials',
		summary: 'Credentials across environments, one row per type and name, with the bindings between them',
		permission: 'workflows.read',
		handler: async () => credentialMatrix(deps.db),
	}),
];
