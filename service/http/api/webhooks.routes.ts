import {
	createSubscription,
	deleteSubscription,
	getSubscription,
	listDeliveries,
	listSubscriptions,
	newSubscriptionSchema,
	scopeOf,
} from '../../domain/events/subscriptions';
import { pageQuerySchema } from '../../domain/pagination';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const webhookRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/webhooks',
		summary: 'Outgoing webhook subscriptions (never their secrets): an admin sees all, anyone else their own',
		permission: 'webhooks.manage',
		handler: async ({ caller }) => ({ data: await listSubscriptions(deps.db, scopeOf(caller)), nextCursor: null }),
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
		handler: async ({ params, caller }) => getSubscription(deps.db, scopeOf(caller), params.id),
	}),
	apiRoute({
		method: 'delete',
		path: '/webhooks/:id',
		summary: 'Unsubscribe (its delivery log goes with it)',
		permission: 'webhooks.manage',
		params: idParams,
		handler: async ({ params, audit, caller }) => {
			await deleteSubscription(deps.db, scopeOf(caller), audit, params.id);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/webhooks/:id/deliveries',
		summary: 'The subscription’s delivery log, newest first: status, attempts, the receiver’s answer',
		permission: 'webhooks.manage',
		params: idParams,
		query: pageQuerySchema,
		handler: async ({ params, query, caller }) => listDeliveries(deps.db, scopeOf(caller), params.id, query),
	}),
];
