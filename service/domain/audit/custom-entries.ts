import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from './audit-log';
import { type AuditEntry, toAuditEntry } from './audit-query';

const MAX_METADATA_BYTES = 16 * 1024;

export const customEntrySchema = z.object({
	action: z
		.string()
		.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/, 'must be 1–100 letters, digits, dots, dashes or underscores, e.g. invoice.approved'),
	resourceType: z.string().min(1).max(100).optional(),
	resourceId: z.string().min(1).max(200).optional(),
	environmentId: z.string().min(1).max(100).optional(),
	metadata: z
		.record(z.string(), z.unknown())
		.refine((value) => JSON.stringify(value).length <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)
		.optional(),
});
export type CustomEntry = z.infer<typeof customEntrySchema>;

/** Entries written by callers (the AuditLog node, scripts) are kept apart under `custom.`. */
export async function appendCustomEntry(db: Db, context: AuditContext, entry: CustomEntry): Promise<AuditEntry> {
	const row = await db
		.transaction()
		.execute((trx) => appendAudit(trx, context, { ...entry, action: `custom.${entry.action}` }));
	return toAuditEntry(row);
}
