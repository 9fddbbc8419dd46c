import { type RawBuilder, sql } from 'kysely';

/** `expression` holds `text` anywhere, as typed: % and _ in it match themselves. */
export const containsText = (expression: RawBuilder<unknown>, text: string) =>
	sql<boolean>`${expression} like ${`%${text.replace(/[%_\\]/g, '\\$&')}%`} escape '\\'`;
