import { credentialMatrix } from '../../domain/credentials/credential-matrix';
import { environmentCredentials } from '../../domain/credentials/credential-use';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const credentialRoutes = ({ db }: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/environments/:id/credentials',
		summary: 'An environment’s credentials (never their secrets) and the synced workflows that use each',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => environmentCredentials(db, params.id),
	}),
	apiRoute({
		method: 'get',
		path: '/credentials',
		summary: 'Credentials across environments, one row per type and name, with the bindings between them',
		permission: 'workflows.read',
		handler: async () => credentialMatrix(db),
	}),
];
