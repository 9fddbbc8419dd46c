import { type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';

/**
 * SQLite (the embedded default) or PostgreSQL. What differs between them is decided here and in the
 * few helpers that ask this, never in domain logic.
 */
export type DialectName = 'sqlite' | 'postgres';

/** A Kysely instance or transaction over any schema (the migrations see none). */
type AnyDb = Pick<Kysely<unknown>, 'getExecutor'>;

export function dialectOf(db: AnyDb): DialectName {
	return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** `column`, a JSON array of strings kept as text, has `value` among them. */
export function jsonArrayHas(db: AnyDb, column: string, value: string): RawBuilder<boolean> {
	return dialectOf(db) === 'postgres'
		? sql<boolean>`(${sql.ref(column)})::jsonb ? ${value}`
		: sql<boolean>`exists (select 1 from json_each(${sql.ref(column)}) where value = ${value})`;
}

/** The `key` of each object in `column` (a JSON array kept as text), one per line. */
export function jsonArrayFieldLines(db: AnyDb, column: string, key: string): RawBuilder<string | null> {
	return dialectOf(db) === 'postgres'
		? sql`(select string_agg(item ->> ${key}, chr(10)) from jsonb_array_elements((${sql.ref(column)})::jsonb) as item)`
		: sql`(select group_concat(json_extract(value, ${`$.${key}`}), char(10)) from json_each(${sql.ref(column)}))`;
}

/** The number at `path` in `column` (a JSON object kept as text); null when it is absent. */
export function jsonNumberAt(db: AnyDb, column: string, path: string[]): RawBuilder<number | null> {
	if (dialectOf(db) === 'sqlite') return sql`json_extract(${sql.ref(column)}, ${`$.${path.join('.')}`})`;
	const value = sql`(${sql.ref(column)})::jsonb #> ${path}`;
	return sql`(case when jsonb_typeof(${value}) = 'number' then (${value})::text::double precision end)`;
}

/**
 * Each row's `values` as a JSON array, all of them in one JSON array (text; `[]` when there are none):
 * one row to read instead of many, as the driver's cost is per row and JSON.parse's is not.
 */
export function packedRows(db: AnyDb, values: RawBuilder<unknown>[]): RawBuilder<string> {
	return dialectOf(db) === 'postgres'
		? sql`coalesce(json_agg(json_build_array(${sql.join(values)})), '[]')::text`
		: sql`json_group_array(json_array(${sql.join(values)}))`;
}

const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * A text column as PostgreSQL's full-text search reads it: punctuation made spaces, so words split as
 * FTS5 splits them ("api.openai.com" is three words, not a host name). Migration 0026 builds the search
 * documents with it: a change here needs a migration that builds them again.
 */
export function searchableText(column: string): RawBuilder<string> {
	return sql`translate(${sql.ref(column)}, ${sql.lit(ASCII_PUNCTUATION)}, ${sql.lit(' '.repeat(ASCII_PUNCTUATION.length))})`;
}

/** The error is a unique constraint's refusal (SQLite's or PostgreSQL's). */
export function isUniqueViolation(error: unknown): boolean {
	// Not `instanceof`: the driver's errors may come from another realm (as under jest).
	const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
	return code === '23505' || /UNIQUE constraint failed/.test(String(message));
}

/**
 * At most `limit` of `table`'s rows matching `where`, picked by where they are stored (SQLite's rowid,
 * PostgreSQL's ctid): a condition for deleting in batches.
 */
export function someRowsWhere(
	db: AnyDb,
	table: string,
	where: RawBuilder<unknown>,
	limit: number,
): RawBuilder<boolean> {
	const from = sql.table(table);
	return dialectOf(db) === 'postgres'
		? sql`ctid = any(array(select ctid from ${from} where ${where} limit ${limit}))`
		: sql`rowid in (select rowid from ${from} where ${where} limit ${limit})`;
}
