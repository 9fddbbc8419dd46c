import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/database';
import { dialectOf, searchableText } from '../../db/dialect';
import { DomainError } from '../errors';

/** What `field:word` searches: one column of the index (migration 0020). */
const FIELDS = {
	name: 'name',
	node: 'nodes',
	tag: 'tags',
	credential: 'credentials',
	text: 'parameters',
} as const;
type SearchColumn = (typeof FIELDS)[keyof typeof FIELDS];

export const SEARCH_SYNTAX =
	'words, each the start of a word somewhere in the workflow (name, node types and names, tags, credential names, parameter text); name:, node:, tag:, credential: or text: limits a word to one of them; "quoted words" go together';

const WORD = /[\p{L}\p{N}]/u;
const TERM = /(?:(\w+):)?(?:"([^"]*)"|(\S+))/g;

/** One thing a user typed: a word or a "quoted phrase", in one column of the index or any. */
export interface SearchTerm {
	column?: SearchColumn;
	words: string;
}

/** What a user typed, term by term; refused when it has no word to search for. */
export function searchTerms(text: string): SearchTerm[] {
	const terms: SearchTerm[] = [];
	for (const [whole, field, quoted, bare] of text.matchAll(TERM)) {
		const column = field ? FIELDS[field.toLowerCase() as keyof typeof FIELDS] : undefined;
		const words = (column ? (quoted ?? bare) : field ? whole : (quoted ?? bare)) ?? '';
		if (WORD.test(words)) terms.push(column ? { column, words } : { words });
	}
	if (!terms.length) throw new DomainError('invalid_request', 'q: has no word to search for (letters or digits)');
	return terms;
}

/**
 * The FTS5 query for what a user typed (or its terms): every term must match as the start of words, so user input
 * never reaches FTS5's own syntax.
 */
export function ftsQuery(text: string | SearchTerm[]): string {
	return (typeof text === 'string' ? searchTerms(text) : text)
		.map(({ column, words }) => {
			const phrase = `"${words.replaceAll('"', '""')}"*`;
			return column ? `${column} : ${phrase}` : phrase;
		})
		.join(' AND ');
}

/** A term's words: its runs of letters and digits, as the index splits text into words. */
export const wordsOf = ({ words }: SearchTerm): string[] => words.split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/**
 * PostgreSQL's tsquery for one term: its words in a row, the last as the start of a word. Only letters
 * and digits reach it, as only they reach the document (see searchableText).
 */
export function tsQuery(term: SearchTerm): string {
	return `${wordsOf(term)
		.map((word) => `'${word}'`)
		.join(' <-> ')}:*`;
}

const toTsQuery = (term: SearchTerm) => sql`to_tsquery('simple', ${tsQuery(term)})`;

/** A search document (a row of workflow_search_text) matches every term. */
export function documentMatches(db: Db, terms: SearchTerm[]): RawBuilder<boolean> {
	if (dialectOf(db) === 'sqlite') return sql`workflow_search_text MATCH ${ftsQuery(terms)}`;
	const each = terms.map((term) =>
		term.column
			? sql`(document @@ ${toTsQuery(term)} AND to_tsvector('simple', ${searchableText(`workflow_search_text.${term.column}`)}) @@ ${toTsQuery(term)})`
			: sql`document @@ ${toTsQuery(term)}`,
	);
	return sql`${sql.join(each, sql` AND `)}`;
}

/** How well a matching document matches: the lower, the better. */
export function matchRank(db: Db, terms: SearchTerm[]): RawBuilder<number> {
	if (dialectOf(db) === 'sqlite') return sql`rank`;
	return sql`-ts_rank(document, ${sql.join(terms.map(toTsQuery), sql` && `)})`;
}

/** The inventory rows (environment, n8n id) whose document matches: a subquery for other queries. */
export const matchingRows = (db: Db, terms: SearchTerm[]) =>
	db
		.selectFrom('workflow_search_text')
		.innerJoin('workflow_search_rows', 'workflow_search_rows.document_id', 'workflow_search_text.rowid')
		.where(documentMatches(db, terms));
