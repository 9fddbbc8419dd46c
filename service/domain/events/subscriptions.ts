import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { Role, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { DomainError, notFound } from '../errors';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import type { SecretBox } from '../secrets';
import { EVENT_TYPES, type EventType } from './events';
import { privateAddressOf } from './targets';

export const newSubscriptionSchema = z.object({
	url: z
		.string()
		.trim()
		.refine((url) => /^https?:\/\//i.test(url) && URL.canParse(url), 'must be an http:// or https:// URL'),
	events: z
		.array(z.enum(EVENT_TYPES, { error: `must be one of ${EVENT_TYPES.join(', ')}` }))
		.min(1, 'must name at least one event'),
	secret: z
		.string()
		.min(16, 'must be at least 16 characters')
		.max(200)
		.optional()
		.describe('signs every delivery (HMAC-SHA256); one is generated and returned once when absent'),
	description: z.string().trim().max(200).default(''),
});
export type NewSubscription = z.infer<typeof newSubscriptionSchema>;

export interface Subscription {
	id: string;
	url: string;
	events: EventType[];
	description: string;
	createdBy: string | null;
	createdAt: string;
}

export interface Delivery {
	id: string;
	eventId: string;
	eventType: string;
	status: WebhookDeliveriesTable['status'];
	attempts: number;
	responseStatus: number | null;
	error: string | null;
	nextAttemptAt: string | null;
	createdAt: string;
	deliveredAt: string | null;
}

export const toSubscription = (row: WebhookSubscriptionsTable): Subscription => ({
	id: row.id,
	url: row.url,
	events: JSON.parse(row.events) as EventType[],
	description: row.description,
	createdBy: row.created_by,
	createdAt: row.created_at,
});

/** Whose subscriptions a caller manages: an admin's, all of them; anyone else's, their own. */
export type SubscriptionScope = { all: true } | { ownerId: string };

export const scopeOf = (caller: { id: string; role: Role }): SubscriptionScope =>
	caller.role === 'admin' ? { all: true } : { ownerId: caller.id };

/**
 * Subscribes a URL to events; the secret is sealed at rest and returned only now, when generated.
 * A URL on a private or loopback address is refused unless `allowPrivateWebhookTargets`.
 */
export async function createSubscription(
	deps: { db: Db; secrets: SecretBox; allowPrivateWebhookTargets: boolean },
	context: AuditContext,
	input: NewSubscription,
): Promise<Subscription & { secret?: string }> {
	if (!deps.allowPrivateWebhookTargets) {
		const address = await privateAddressOf(input.url);
		if (address) {
			const message = `is on a private or loopback address (${address}), which this companion does not send to (see WORKFLOWOPS_WEBHOOK_PRIVATE_TARGETS)`;
			throw new DomainError('unprocessable', `url: ${message}`, [{ field: 'url', message }]);
		}
	}
	const secret = input.secret ?? crypto.randomBytes(32).toString('base64url');
	const row: WebhookSubscriptionsTable = {
		id: crypto.randomUUID(),
		url: input.url,
		events: JSON.stringify([...new Set(input.events)]),
		secret_sealed: deps.secrets.seal(secret),
		description: input.description,
		created_by: context.actor.name,
		owner_id: context.actor.id,
		created_at: new Date().toISOString(),
	};
	await deps.db.transaction().execute(async (trx) => {
		await trx.insertInto('webhook_subscriptions').values(row).execute();
		await appendAudit(trx, context, {
			action: 'webhook.create',
			resourceType: 'webhook',
			resourceId: row.id,
			metadata: { url: row.url, events: JSON.parse(row.events) },
		});
	});
	return { ...toSubscription(row), ...(input.secret ? {} : { secret }) };
}

/** The subscriptions in `scope`; someone else's are as good as absent. */
function inScope(db: Db, scope: SubscriptionScope) {
	const all = db.selectFrom('webhook_subscriptions').selectAll();
	return 'all' in scope ? all : all.where('owner_id', '=', scope.ownerId);
}

export async function listSubscriptions(db: Db, scope: SubscriptionScope): Promise<Subscription[]> {
	return (await inScope(db, scope).orderBy('created_at').execute()).map(toSubscription);
}

export async function getSubscription(db: Db, scope: SubscriptionScope, id: string): Promise<Subscription> {
	const row = await inScope(db, scope).where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Webhook subscription');
	return toSubscription(row);
}

export async function deleteSubscription(
	db: Db,
	scope: SubscriptionScope,
	context: AuditContext,
	id: string,
): Promise<void> {
	await db.transaction().execute(async (trx) => {
		await getSubscription(trx, scope, id);
		await trx.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
		await appendAudit(trx, context, { action: 'webhook.delete', resourceType: 'webhook', resourceId: id });
	});
}

export async function listDeliveries(
	db: Db,
	scope: SubscriptionScope,
	subscriptionId: string,
	query: z.infer<typeof pageQuerySchema>,
): Promise<Page<Delivery>> {
	await getSubscription(db, scope, subscriptionId);
	return offsetPage(
		query,
		(limit, offset) =>
			db
				.selectFrom('webhook_deliveries')
				.selectAll()
				.where('subscription_id', '=', subscriptionId)
				.orderBy('created_at', 'desc')
				.orderBy('id')
				.limit(limit)
				.offset(offset)
				.execute(),
		(row) => ({
			id: row.id,
			eventId: row.event_id,
			eventType: row.event_type,
			status: row.status,
			attempts: row.attempts,
			responseStatus: row.response_status,
			error: row.error,
			nextAttemptAt: row.next_attempt_at,
			createdAt: row.created_at,
			deliveredAt: row.delivered_at,
		}),
	);
}
