import { DomainError } from '../../service/domain/errors';
import { normalisedName } from '../../service/domain/workflows/onboarding';
import { ftsQuery, searchTerms, tsQuery } from '../../service/domain/workflows/search-match';

test.each([
	['invoice', '"invoice"*'],
	['Invoice  sync', '"Invoice"* AND "sync"*'],
	['"ERP key"', '"ERP key"*'],
	['name:invoice tag:"Finance team"', 'name : "invoice"* AND tags : "Finance team"*'],
	[
		'node:httpRequest credential:x text:api.openai.com',
		'nodes : "httpRequest"* AND credentials : "x"* AND parameters : "api.openai.com"*',
	],
	// Anything else is a word to find, never FTS5 syntax.
	['http://example.com', '"http://example.com"*'],
	['other:field', '"other:field"*'],
	['a"b', '"a""b"*'],
	['NOT OR AND NEAR(x)', '"NOT"* AND "OR"* AND "AND"* AND "NEAR(x)"*'],
	['invoice -- !!', '"invoice"*'],
])('the search %j is the FTS5 query %j', (text, query) => {
	expect(ftsQuery(text)).toBe(query);
});

test.each([
	['invoice', ["'invoice':*"]],
	['"ERP key" name:Dup', ["'ERP' <-> 'key':*", "'Dup':*"]],
	['text:api.openai.com', ["'api' <-> 'openai' <-> 'com':*"]],
	["a'b & !c | d:*", ["'a' <-> 'b':*", "'c':*", "'d':*"]],
	['Größe_straße', ["'Größe' <-> 'straße':*"]],
])('on PostgreSQL the search %j is the tsqueries %j: letters and digits only, words in a row', (text, queries) => {
	expect(searchTerms(text).map(tsQuery)).toEqual(queries);
});

test('a search with no letter or digit is refused in words', () => {
	expect(() => ftsQuery('!! "" ---')).toThrow(DomainError);
	expect(() => ftsQuery('!! "" ---')).toThrow('q: has no word to search for (letters or digits)');
});

test.each([
	['Invoice sync', 'invoice sync'],
	['Invoice sync [prod]', 'invoice sync'],
	['invoice-sync (staging)', 'invoice sync'],
	['DEV - Invoice sync', 'invoice sync'],
	['Invoice_Sync_production', 'invoice sync'],
	['Production report', 'production report'],
	['Prod', 'prod'],
	['  Lead   capture!  ', 'lead capture'],
])('the name %j is %j once case, punctuation and environment words are set aside', (name, normalised) => {
	expect(normalisedName(name)).toBe(normalised);
});
