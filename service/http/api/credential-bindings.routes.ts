import {
	bindingKeySchema,
	bindingListSchema,
	bindingSchema,
	deleteBinding,
	listBindings,
	putBinding,
} from '../../domain/promotions/credential-bindings';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';

export const credentialBindingRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/credential-bindings',
		summary:
			'Which target credential stands for which source credential in promotions, with both credentials as the companion knows them (null when it does not)',
		permission: 'pipelines.read',
		query: bindingListSchema,
		handler: async ({ query }) => ({ data: await listBindings(deps.db, query), nextCursor: null }),
	}),
	apiRoute({
		method: 'put',
		path: '/credential-bindings',
		summary: 'Bind a source credential to a target credential (replacing its earlier binding into that target)',
		permission: 'pipelines.manage',
		body: bindingSchema,
		handler: async ({ body, audit }) => putBinding(deps.db, audit, body),
	}),
	apiRoute({
		method: 'delete',
		path: '/credential-bindings',
		summary: 'Remove a binding: the source credential then resolves by type and name',
		permission: 'pipelines.manage',
		query: bindingKeySchema,
		handler: async ({ query, audit }) => {
			await deleteBinding(deps.db, audit, query);
		},
	}),
];
