import { credentialMatrix } from '../../domain/credentials/credential-matrix';
import { environmentCredentials } from '../../domain/credentials/credential-use';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import type { AppDeps } from '../deps';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** Credentials: one environment's, with the workflows using each, and all of them across environments. */
export const credentialPages = ({ db }: AppDeps): UiRoute[] => [
	{
		method: 'get',
		path: '/environments/:id/credentials',
		permission: 'workflows.read',
		handler: async (req, res) => {
			const environment = toEnvironment(await getEnvironmentRow(db, String(req.params.id)));
			render(req, res, 'pages/environment-credentials', {
				environment,
				...(await environmentCredentials(db, environment.id)),
			});
		},
	},
	{
		method: 'get',
		path: '/credentials',
		permission: 'workflows.read',
		handler: async (req, res) => render(req, res, 'pages/credentials', { ...(await credentialMatrix(db)) }),
	},
];
