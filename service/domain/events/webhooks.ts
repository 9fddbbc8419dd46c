import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../../db/database';
import type { WebhookDeliveriesTable } from '../../db/schema';
import { ORPHANED } from '../jobs/orphaned';
import type { SecretBox } from '../secrets';
import { type EventSink, type EventType, SIGNATURE_HEADER, signature, TIMESTAMP_HEADER } from './events';
import { privateAddressOf } from './targets';

export interface WebhookOptions {
	/** Waits before each retry; a delivery fails for good after the last. */
	backoffMs?: number[];
	timeoutMs?: number;
	/** Send to private and loopback addresses too (checked again at each attempt: DNS may change). */
	allowPrivateTargets?: boolean;
	/** The replica that sends what it records. */
	replicaId: string;
}

type PendingDelivery = Pick<WebhookDeliveriesTable, 'id' | 'next_attempt_at'>;

const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];

/**
 * Outgoing webhooks: each event is recorded as one delivery per subscription to its type, POSTed as
 * JSON with an HMAC-SHA256 signature of "<timestamp>.<body>", and retried with backoff until a 2xx or
 * the last retry. Deliveries are rows, so the log survives; each is sent by the replica that recorded
 * it, or by the one that takes it over when that one is gone (claimOrphaned).
 */
export class Webhooks implements EventSink {
	private readonly timers = new Set<NodeJS.Timeout>();
	private stopped = false;

	constructor(
		private readonly db: Db,
		private readonly secrets: SecretBox,
		private readonly logger: Logger,
		private readonly options: WebhookOptions,
	) {}

	/**
	 * Writes the event's deliveries through `db`, the transaction of the change it announces (an
	 * outbox: committed with it, or not at all); `dispatch` sends them once it has committed, and the
	 * replica that takes over from a crash (claimOrphaned) sends those it left between the two.
	 */
	async record(db: Db, type: EventType, data: Record<string, unknown>): Promise<string[]> {
		const subscriptions = (await db.selectFrom('webhook_subscriptions').select(['id', 'events']).execute()).filter(
			(subscription) => (JSON.parse(subscription.events) as string[]).includes(type),
		);
		if (!subscriptions.length) return [];
		const now = new Date().toISOString();
		const event = { id: crypto.randomUUID(), type, occurredAt: now, data };
		const rows: WebhookDeliveriesTable[] = subscriptions.map((subscription) => ({
			id: crypto.randomUUID(),
			subscription_id: subscription.id,
			event_id: event.id,
			event_type: type,
			payload: JSON.stringify(event),
			status: 'pending',
			attempts: 0,
			response_status: null,
			error: null,
			next_attempt_at: now,
			created_at: now,
			delivered_at: null,
			replica_id: this.options.replicaId,
		}));
		await db.insertInto('webhook_deliveries').values(rows).execute();
		return rows.map((row) => row.id);
	}

	dispatch(deliveryIds: string[]): void {
		for (const id of deliveryIds) this.later(id, 0);
	}

	/** Takes over the pending deliveries of replicas gone, in the takeover's transaction: `resume` them after. */
	async claimOrphaned(trx: Db): Promise<PendingDelivery[]> {
		return trx
			.updateTable('webhook_deliveries')
			.set({ replica_id: this.options.replicaId })
			.where('status', '=', 'pending')
			.where(ORPHANED)
			.returning(['id', 'next_attempt_at'])
			.execute();
	}

	/** Sends each delivery at its next attempt time. */
	resume(pending: PendingDelivery[]): void {
		for (const row of pending) this.later(row.id, Date.parse(row.next_attempt_at ?? '') - Date.now());
	}

	stop(): void {
		this.stopped = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}

	private later(deliveryId: string, delayMs: number): void {
		if (this.stopped) return;
		const timer = setTimeout(
			() => {
				this.timers.delete(timer);
				this.attempt(deliveryId).catch((error: unknown) =>
					this.logger.warn({ deliveryId, err: error }, 'webhook delivery could not be recorded'),
				);
			},
			Math.max(0, delayMs),
		);
		this.timers.add(timer);
	}

	private async attempt(deliveryId: string): Promise<void> {
		const delivery = await this.db
			.selectFrom('webhook_deliveries')
			.innerJoin('webhook_subscriptions', 'webhook_subscriptions.id', 'webhook_deliveries.subscription_id')
			.select([
				'webhook_deliveries.id',
				'webhook_deliveries.event_type',
				'webhook_deliveries.payload',
				'webhook_deliveries.attempts',
				'webhook_deliveries.status',
				'webhook_subscriptions.url',
				'webhook_subscriptions.secret_sealed',
			])
			.where('webhook_deliveries.id', '=', deliveryId)
			.where('webhook_deliveries.replica_id', '=', this.options.replicaId)
			.executeTakeFirst();
		if (!delivery || delivery.status !== 'pending') return;
		const timestamp = Math.floor(Date.now() / 1000);
		let responseStatus: number | null = null;
		let error: string | null = null;
		try {
			const privateAddress = this.options.allowPrivateTargets ? undefined : await privateAddressOf(delivery.url);
			if (privateAddress)
				throw new Error(`its address ${privateAddress} is private, which this companion does not send to`);
			const response = await fetch(delivery.url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'user-agent': 'WorkflowOps-Webhooks',
					'x-workflowops-event': delivery.event_type,
					'x-workflowops-delivery': delivery.id,
					[TIMESTAMP_HEADER]: String(timestamp),
					[SIGNATURE_HEADER]: signature(this.secrets.open(delivery.secret_sealed), timestamp, delivery.payload),
				},
				body: delivery.payload,
				signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
			});
			responseStatus = response.status;
			await response.body?.cancel();
			if (!response.ok) error = `the receiver answered HTTP ${response.status}`;
		} catch (failure) {
			const cause = (failure as { cause?: { message?: string } }).cause?.message;
			error = `the receiver could not be reached: ${cause ?? (failure as Error).message}`;
		}
		const attempts = delivery.attempts + 1;
		const backoff = this.options.backoffMs ?? BACKOFF_MS;
		const retryIn = error ? backoff[attempts - 1] : undefined;
		const now = new Date();
		await this.db
			.updateTable('webhook_deliveries')
			.set({
				attempts,
				response_status: responseStatus,
				error,
				status: !error ? 'succeeded' : retryIn === undefined ? 'failed' : 'pending',
				delivered_at: error ? null : now.toISOString(),
				next_attempt_at: retryIn === undefined ? null : new Date(now.getTime() + retryIn).toISOString(),
			})
			.where('id', '=', deliveryId)
			.where('replica_id', '=', this.options.replicaId)
			.execute();
		if (retryIn !== undefined) this.later(deliveryId, retryIn);
	}
}
