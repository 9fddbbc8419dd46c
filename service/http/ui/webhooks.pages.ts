import type { Request, Response } from 'express';
import { z } from 'zod';
import { EVENT_TYPES } from '../../domain/events/events';
import {
	createSubscription,
	deleteSubscription,
	getSubscription,
	listDeliveries,
	listSubscriptions,
	newSubscriptionSchema,
	scopeOf,
} from '../../domain/events/subscriptions';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { echo, type FormErrors, parseForm } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** Ticked checkboxes arrive as one value or several. */
const subscriptionFormSchema = newSubscriptionSchema.omit({ secret: true }).extend({
	events: z.preprocess((value) => [value ?? []].flat(), newSubscriptionSchema.shape.events),
});

/** Webhook subscriptions: add one (its secret shown once), remove one, read its delivery log. */
export const webhookPages = (deps: AppDeps): UiRoute[] => {
	const showList = async (
		req: Request,
		res: Response,
		extra: { values?: Record<string, unknown>; errors?: FormErrors; created?: { url: string; secret: string } },
		status = 200,
	) =>
		render(
			req,
			res,
			'pages/webhooks',
			{
				subscriptions: await listSubscriptions(deps.db, scopeOf(req.caller!)),
				eventTypes: EVENT_TYPES,
				values: {},
				errors: {},
				...extra,
			},
			{ status },
		);

	return [
		{
			method: 'get',
			path: '/webhooks',
			permission: 'webhooks.manage',
			handler: (req, res) => showList(req, res, {}),
		},
		{
			method: 'post',
			path: '/webhooks',
			permission: 'webhooks.manage',
			handler: async (req, res) => {
				const form = parseForm(subscriptionFormSchema, req.body);
				const values = { ...echo(req.body), events: [(req.body as { events?: unknown }).events ?? []].flat() };
				if (form.errors) return showList(req, res, { values, errors: form.errors }, 422);
				const created = await createSubscription(deps, auditContext(req), form.data);
				await showList(req, res, { created: { url: created.url, secret: created.secret! } }, 201);
			},
		},
		{
			method: 'get',
			path: '/webhooks/:id',
			permission: 'webhooks.manage',
			handler: async (req, res) => {
				const scope = scopeOf(req.caller!);
				const subscription = await getSubscription(deps.db, scope, String(req.params.id));
				const deliveries = await listDeliveries(deps.db, scope, subscription.id, { limit: 100 });
				render(req, res, 'pages/webhook', { subscription, deliveries: deliveries.data });
			},
		},
		{
			method: 'post',
			path: '/webhooks/:id/delete',
			permission: 'webhooks.manage',
			handler: async (req, res) => {
				await deleteSubscription(deps.db, scopeOf(req.caller!), auditContext(req), String(req.params.id));
				res.redirect(303, '/webhooks');
			},
		},
	];
};
