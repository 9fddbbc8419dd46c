import type { Db } from '../../service/db/database';

/** An event as the webhook deliveries carry it. */
export interface RecordedEvent {
	id: string;
	type: string;
	occurredAt: string;
	data: any;
}

/** The events recorded for the webhook subscriptions, oldest first, whose type starts with `prefix`. */
export async function recordedEvents(db: Db, prefix: string): Promise<RecordedEvent[]> {
	const rows = await db
		.selectFrom('webhook_deliveries')
		.select('payload')
		.where('event_type', 'like', `${prefix}%`)
		.orderBy('created_at')
		.execute();
	return rows.map((row) => JSON.parse(row.payload) as RecordedEvent);
}
