import { startCredentialTests } from '../../domain/credentials/credential-health';
import { credentialMatrix } from '../../domain/credentials/credential-matrix';
import { environmentCredentials } from '../../domain/credentials/credential-use';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import { auditContext } from '../caller';
import { outageOf } from '../../domain/health/health-history';
import type { AppDeps } from '../deps';
import { userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** Credentials: one environment's, with the workflows using each and their tests, and all of them across environments. */
export const credentialPages = (deps: AppDeps): UiRoute[] => [
	{
		method: 'get',
		path: '/environments/:id/credentials',
		permission: 'workflows.read',
		handler: async (req, res) => {
			const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
			render(req, res, 'pages/environment-credentials', {
				environment,
				outage: await outageOf(deps.db, environment.id),
				...(await environmentCredentials(deps.db, environment.id)),
			});
		},
	},
	{
		method: 'post',
		path: '/environments/:id/credentials/test',
		permission: 'environments.test',
		handler: async (req, res) => {
			try {
				const job = await startCredentialTests(deps, auditContext(req), String(req.params.id));
				render(req, res, 'partials/job-follow', { job }, { status: 202 });
			} catch (error) {
				const { status, message } = userFacingError(req, error);
				render(req, res, 'partials/error', { message }, { status });
			}
		},
	},
	{
		method: 'get',
		path: '/credentials',
		permission: 'workflows.read',
		handler: async (req, res) => render(req, res, 'pages/credentials', { ...(await credentialMatrix(deps.db)) }),
	},
];
