import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import { environmentFindings } from '../../domain/policies/findings';
import type { AppDeps } from '../deps';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** What the content rules find in an environment's synced workflows. */
export const findingPages = ({ db }: AppDeps): UiRoute[] => [
	{
		method: 'get',
		path: '/environments/:id/findings',
		permission: 'workflows.read',
		handler: async (req, res) => {
			const environment = toEnvironment(await getEnvironmentRow(db, String(req.params.id)));
			render(req, res, 'pages/environment-findings', {
				environment,
				...(await environmentFindings(db, environment.id)),
			});
		},
	},
];
