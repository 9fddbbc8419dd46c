import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAuditEntries, type AuditContext, type AuditEvent } from './audit-log';
import { type AuditEntry, toAuditEntry } from './audit-query';

const MAX_METADATA_BYTES = 16 * 1024;

export const customEntrySchema = z.object({
	action: z
		.string()
		.regex(
			/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/,
			'must be 1–100 letters, digits, dots, dashes or underscores, e.g. invoice.approved',
		),
	resourceType: z.string().min(1).max(100).optional(),
	resourceId: z.string().min(1).max(200).optional(),
	environmentId: z.string().min(1).max(100).optional(),
	metadata: z
		.record(z.string(), z.unknown())
		.refine(
			(value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES,
			`must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
		)
		.optional(),
});
export type CustomEntry = z.infer<typeof customEntrySchema>;

/** At most this many entries share one transaction, so a burst does not hold the database for long. */
const MAX_BATCH = 500;

interface Pending {
	context: AuditContext;
	event: AuditEvent;
	resolve: (entry: AuditEntry) => void;
	reject: (error: unknown) => void;
}

export type CustomEntryWriter = (context: AuditContext, entry: CustomEntry) => Promise<AuditEntry>;

/**
 * Writes entries sent by callers (the AuditLog node, scripts), kept apart under `custom.<action>`.
 * Group commit: entries that arrive while a transaction is being written wait for the next one and
 * are committed together, so many concurrent callers cost one commit; each caller's promise settles
 * once its own entry is committed.
 */
export function customEntryWriter(db: Db): CustomEntryWriter {
	const queue: Pending[] = [];
	let writing = false;

	const writeQueued = async () => {
		writing = true;
		while (queue.length) {
			const batch = queue.splice(0, MAX_BATCH);
			try {
				const rows = await db.transaction().execute((trx) => appendAuditEntries(trx, batch));
				batch.forEach((pending, index) => pending.resolve(toAuditEntry(rows[index])));
			} catch (error) {
				for (const pending of batch) pending.reject(error);
			}
		}
		writing = false;
	};

	return (context, entry) =>
		new Promise((resolve, reject) => {
			queue.push({ context, event: { ...entry, action: `custom.${entry.action}` }, resolve, reject });
			if (!writing) void writeQueued();
		});
}
