import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import { DomainError } from '../errors';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import { catchUpSearchIndex } from './search-index';

/** What `field:word` searches: one column of the index (migration 0020). */
const FIELDS = {
	name: 'name',
	node: 'nodes',
	tag: 'tags',
	credential: 'credentials',
	text: 'parameters',
} as const;

export const SEARCH_SYNTAX =
	'words, each the start of a word somewhere in the workflow (name, node types and names, tags, credential names, parameter text); name:, node:, tag:, credential: or text: limits a word to one of them; "quoted words" go together';

export const searchQuerySchema = pageQuerySchema.extend({
	q: z.string().trim().min(1).max(500).describe(SEARCH_SYNTAX),
	environment: z.string().min(1).optional().describe('only this environment'),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export interface SearchHit {
	environmentId: string;
	environmentName: string;
	workflowId: string;
	canonicalId: string;
	name: string;
	active: boolean;
	/** Where it matched, a few words around. */
	excerpt: string;
}

const WORD = /[\p{L}\p{N}]/u;
const TERM = /(?:(\w+):)?(?:"([^"]*)"|(\S+))/g;

/**
 * The FTS5 query for what a user typed: every term (a word, a "quoted phrase", either after `field:`)
 * must match as the start of words, so user input never reaches FTS5's own syntax.
 */
export function ftsQuery(text: string): string {
	const terms: string[] = [];
	for (const [whole, field, quoted, bare] of text.matchAll(TERM)) {
		const column = field && FIELDS[field.toLowerCase() as keyof typeof FIELDS];
		const words = (column ? (quoted ?? bare) : field ? whole : (quoted ?? bare)) ?? '';
		if (!WORD.test(words)) continue;
		const phrase = `"${words.replaceAll('"', '""')}"*`;
		terms.push(column ? `${column} : ${phrase}` : phrase);
	}
	if (!terms.length) throw new DomainError('invalid_request', 'q: has no word to search for (letters or digits)');
	return terms.join(' AND ');
}

/** The inventory rows (environment, n8n id) whose document matches: a subquery for other queries. */
export const matchingRows = (db: Db, query: string) =>
	db
		.selectFrom('workflow_search')
		.innerJoin('workflow_search_keys', 'workflow_search_keys.id', 'workflow_search.rowid')
		.where(sql<boolean>`workflow_search MATCH ${query}`);

/**
 * Every environment's synced workflows matching the query, best match first. The index alone ranks the
 * page and cuts its excerpts (FTS5 makes snippets for the rows kept only); the page's rows are then read.
 */
export async function searchWorkflows(db: Db, query: SearchQuery): Promise<Page<SearchHit>> {
	const match = ftsQuery(query.q);
	await catchUpSearchIndex(db);
	return offsetPage(
		query,
		async (limit, offset) => {
			let ranked = db
				.selectFrom('workflow_search')
				.select(['rowid', sql<string>`snippet(workflow_search, -1, '', '', '…', 12)`.as('excerpt')])
				.where(sql<boolean>`workflow_search MATCH ${match}`);
			if (query.environment) ranked = ranked.where('environment_id', '=', query.environment);
			const page = await ranked
				.orderBy(sql`rank`)
				.limit(limit)
				.offset(offset)
				.execute();
			if (!page.length) return [];
			const rows = await db
				.selectFrom('workflow_search_keys')
				.innerJoin('workflow_inventory', (join) =>
					join
						.onRef('workflow_inventory.environment_id', '=', 'workflow_search_keys.environment_id')
						.onRef('workflow_inventory.n8n_id', '=', 'workflow_search_keys.n8n_id'),
				)
				.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
				.select([
					'workflow_search_keys.id',
					'workflow_inventory.environment_id',
					'environments.name as environment_name',
					'workflow_inventory.n8n_id',
					'workflow_inventory.canonical_id',
					'workflow_inventory.name',
					'workflow_inventory.active',
				])
				.where(
					'workflow_search_keys.id',
					'in',
					page.map((hit) => hit.rowid),
				)
				.execute();
			const byKey = new Map(rows.map((row) => [row.id, row]));
			return page.flatMap(({ rowid, excerpt }) => {
				const row = byKey.get(rowid);
				return row ? [{ ...row, excerpt }] : [];
			});
		},
		(row) => ({
			environmentId: row.environment_id,
			environmentName: row.environment_name,
			workflowId: row.n8n_id,
			canonicalId: row.canonical_id,
			name: row.name,
			active: row.active === 1,
			excerpt: row.excerpt,
		}),
	);
}
