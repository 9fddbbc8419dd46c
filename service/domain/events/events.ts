import type { Db } from '../../db/database';
import crypto from 'node:crypto';

export const EVENT_TYPES = [
	'drift.detected',
	'drift.resolved',
	'incident.acknowledged',
	'incident.sla_breached',
	'snapshot.created',
	'promotion.requested',
	'promotion.approval_requested',
	'promotion.approved',
	'promotion.rejected',
	'promotion.completed',
	'promotion.failed',
	'promotion.rolled_back',
	'operation.approval_requested',
	'operation.approved',
	'operation.rejected',
	'credential.failing',
	'execution.failed',
	'environment.down',
	'environment.up',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * What happened, for the webhook subscribers of its type: an outbox. Each event is recorded in the
 * transaction of the change it announces, and dispatched once that has committed.
 */
export interface EventSink {
	/** Records the event through `db`; returns what to dispatch after the commit. */
	record(db: Db, type: EventType, data: Record<string, unknown>): Promise<string[]>;
	dispatch(recorded: string[]): void;
}

export const SIGNATURE_HEADER = 'x-workflowops-signature';
export const TIMESTAMP_HEADER = 'x-workflowops-timestamp';

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the timestamp is signed too, so a replay is stale. */
export function signature(secret: string, timestamp: number, body: string): string {
	return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
