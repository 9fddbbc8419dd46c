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
