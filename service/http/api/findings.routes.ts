import { environmentFindings } from '../../domain/policies/findings';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const findingRoutes = ({ db }: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/environments/:id/findings',
		summary: 'What the content rules find in an environment’s synced workflows (banned nodes, plain-text secrets…)',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => environmentFindings(db, params.id),
	}),
];
