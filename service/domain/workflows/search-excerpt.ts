import { type SearchTerm, wordsOf } from './search-match';

/** The index's columns, in the order an excerpt prefers them. */
export const SEARCH_COLUMNS = ['name', 'nodes', 'tags', 'credentials', 'parameters'] as const;
type SearchColumns = Record<(typeof SEARCH_COLUMNS)[number], string>;

const AROUND = 60;
const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A few words around where a document matched: the first match of a term's first word (as the start of
 * a word, as the index matches it) in the first column that has one. Cut here rather than by FTS5's
 * snippet(), which tokenises and scores every column of every document again.
 */
export function excerpt(document: SearchColumns, terms: SearchTerm[]): string {
	const starts = terms.flatMap((term) => {
		const [first] = wordsOf(term);
		return first ? [{ column: term.column, pattern: new RegExp(`(?<![\\p{L}\\p{N}])${escape(first)}`, 'iu') }] : [];
	});
	for (const column of SEARCH_COLUMNS) {
		const text = document[column];
		let at = -1;
		for (const start of starts) {
			if (start.column && start.column !== column) continue;
			const found = start.pattern.exec(text)?.index ?? -1;
			if (found >= 0 && (at < 0 || found < at)) at = found;
		}
		if (at >= 0) return around(text, at);
	}
	// Matched only through what the index folds (accents): the name says which workflow it is.
	return around(document.name, 0);
}

function around(text: string, at: number): string {
	const from = at <= AROUND ? 0 : text.lastIndexOf(' ', at - AROUND) + 1 || at - AROUND;
	const space = text.indexOf(' ', at + AROUND * 2);
	const to = text.length - at <= AROUND * 2 ? text.length : space < 0 ? at + AROUND * 2 : space;
	const cut = text.slice(from, to).replace(/\s+/g, ' ').trim();
	return `${from > 0 ? '…' : ''}${cut}${to < text.length ? '…' : ''}`;
}
