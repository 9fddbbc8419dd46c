import {
	createSubscription,
	deleteSubscription,
	getSubscription,
	listDeliveries,
	listSubscriptions,
	newSubscriptionSchema,
} from '../../domain/events/subscriptions';
import { pageQuerySchema } from '../../domain/pagination';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const webhookRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/webhooks',
		summary: 'Outgoing webhook subscriptions (never their secrets)',
		permission: 'webhooks.manage',
		handler: async () => ({ data: await listSubscriptions(deps.db), nextCursor: null }),
	}),
	apiRoute({
		method: 'post',
		path: '/webhooks',
		summary:
			'Subscribe a URL to events; each delivery is signed (X-WorkflowOps-Signature: sha256=HMAC of "<X-WorkflowOps-Timestamp>.<body>") and retried with backoff; a generated secret is returned once',
		permission: 'webhooks.manage',
		body: newSubscriptionSchema,
		status: 201,
		handler: async ({ body, audit }) => createSubscription(deps, audit, body),
	}),
	apiRoute({
		method: 'get',
		path: '/webhooks/:id',
		summary: 'One subscription',
		permission: 'webhooks.manage',
		params: idParams,
		handler: async ({ params }) => getSubscription(deps.db, params.id),
	}),
	apiRoute({
		method: 'delete',
		path: '/webhooks/:id',
		summary: 'Unsubscribe (its delivery log goes with it)',
		permission: 'webhooks.manage',
		params: idParams,
		handler: async ({ params, audit }) => {
			await deleteSubscription(deps.db, audit, params.id);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/webhooks/:id/deliveries',
		summary: 'The subscription’s delivery log, newest first: status, attempts, the receiver’s answer',
		permission: 'webhooks.manage',
		params: idParams,
		query: pageQuerySchema,
		handler: async ({ params, query }) => listDeliveries(deps.db, params.id, query),
	}),
];
