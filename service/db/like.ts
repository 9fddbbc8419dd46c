import { type RawBuilder, sql } from 'kysely';

/**
 * `expression` holds `text` anywhere, as typed but ignoring ASCII case (as SQLite's LIKE does, and
 * PostgreSQL's does not): % and _ in it match themselves.
 */
export const containsText = (expression: RawBuilder<unknown>, text: string) =>
	sql<boolean>`lower(${expression}) like lower(${`%${text.replace(/[%_\\]/g, '\\$&')}%`}) escape '\\'`;
