import { z } from 'zod';
import { DomainError } from './errors';

export interface Page<T> {
	data: T[];
	nextCursor: string | null;
}

export const pageQuerySchema = z.object({
	limit: z.coerce.number().int().min(1).max(250).default(50),
	cursor: z.string().min(1).optional(),
});

/** Cursors are opaque to callers: base64url of the last id of the page before. */
export function encodeCursor(id: number): string {
	return Buffer.from(String(id)).toString('base64url');
}

export function decodeCursor(cursor: string): number {
	const id = Number(Buffer.from(cursor, 'base64url').toString());
	if (!Number.isSafeInteger(id) || id < 0 || encodeCursor(id) !== cursor) {
		throw new DomainError('invalid_request', 'cursor is not one this API returned');
	}
	return id;
}

/**
 * A page of a list ordered by something other than an id: the cursor is the offset of the next page.
 * `fetch` reads `limit` rows from `offset` (one more than the page, to know whether another follows).
 */
export async function offsetPage<Row, Item>(
	query: { limit: number; cursor?: string },
	fetch: (limit: number, offset: number) => Promise<Row[]>,
	toItem: (row: Row) => Item,
): Promise<Page<Item>> {
	const offset = query.cursor ? decodeCursor(query.cursor) : 0;
	const rows = await fetch(query.limit + 1, offset);
	return {
		data: rows.slice(0, query.limit).map(toItem),
		nextCursor: rows.length > query.limit ? encodeCursor(offset + query.limit) : null,
	};
}
