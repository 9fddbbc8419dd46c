import { z } from 'zod';
import type { Db } from '../../db/database';
import { offsetPage, type Page, pageQuerySchema } from '../pagination';
import { excerpt, SEARCH_COLUMNS } from './search-excerpt';
import { catchUpSearchIndex } from './search-index';
import { documentMatches, matchRank, SEARCH_SYNTAX, searchTerms } from './search-match';

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

/**
 * Every environment's synced workflows matching the query, best match first. The index ranks its
 * distinct documents (the same workflow in several environments is one), the page is cut from the rows
 * having them, and the page's documents give the excerpts.
 */
export async function searchWorkflows(db: Db, query: SearchQuery): Promise<Page<SearchHit>> {
	const terms = searchTerms(query.q);
	await catchUpSearchIndex(db);
	return offsetPage(
		query,
		async (limit, offset) => {
			let ranked = db
				.with('hits', (wb) =>
					wb
						.selectFrom('workflow_search_text')
						.select(['rowid as document', matchRank(db, terms).as('rank')])
						.where(documentMatches(db, terms)),
				)
				.selectFrom('hits')
				.innerJoin('workflow_search_rows as rows', 'rows.document_id', 'hits.document')
				.select(['rows.environment_id', 'rows.n8n_id', 'hits.document']);
			if (query.environment) ranked = ranked.where('rows.environment_id', '=', query.environment);
			const page = await ranked
				.orderBy('hits.rank')
				.orderBy('rows.environment_id')
				.orderBy('rows.n8n_id')
				.limit(limit)
				.offset(offset)
				.execute();
			if (!page.length) return [];
			const documents = [...new Set(page.map((hit) => hit.document))];
			const texts = await db
				.selectFrom('workflow_search_text')
				.select(['rowid', ...SEARCH_COLUMNS])
				.where('rowid', 'in', documents)
				.execute();
			const rows = await db
				.selectFrom('workflow_search_rows as rows')
				.innerJoin('workflow_inventory', (join) =>
					join
						.onRef('workflow_inventory.environment_id', '=', 'rows.environment_id')
						.onRef('workflow_inventory.n8n_id', '=', 'rows.n8n_id'),
				)
				.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
				.select([
					'workflow_inventory.environment_id',
					'environments.name as environment_name',
					'workflow_inventory.n8n_id',
					'workflow_inventory.canonical_id',
					'workflow_inventory.name',
					'workflow_inventory.active',
				])
				.where('rows.document_id', 'in', documents)
				.execute();
			const rowKey = (row: { environment_id: string; n8n_id: string }) => `${row.environment_id}\n${row.n8n_id}`;
			const byKey = new Map(rows.map((row) => [rowKey(row), row]));
			const excerptOf = new Map(texts.map((text) => [text.rowid, excerpt(text, terms)]));
			return page.flatMap((hit) => {
				const row = byKey.get(rowKey(hit));
				return row ? [{ ...row, excerpt: excerptOf.get(hit.document) ?? '' }] : [];
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
