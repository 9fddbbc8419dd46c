import { excerpt } from '../../service/domain/workflows/search-excerpt';
import { searchTerms } from '../../service/domain/workflows/search-match';

const document = {
	name: 'Invoice sync',
	nodes: 'n8n-nodes-base.httpRequest n8n-nodes-base.slack Fetch invoices Tell the team',
	tags: 'finance',
	credentials: 'ERP key',
	parameters: `${'lorem ipsum '.repeat(40)}https://erp.example.com/invoices?tenant=acme ${'dolor sit '.repeat(40)}`,
};
const cut = (q: string) => excerpt(document, searchTerms(q));

test('the excerpt comes from the first column that matches, in the index’s order', () => {
	expect(cut('invoice')).toBe('Invoice sync');
	expect(cut('slack')).toBe(document.nodes);
	expect(cut('credential:erp')).toBe('ERP key');
});

test('a match deep in a long text gives the words around it, cut at spaces and marked as cut', () => {
	const text = cut('text:"erp.example.com"');
	expect(text).toMatch(/^…(lorem |ipsum )/);
	expect(text).toContain('https://erp.example.com/invoices?tenant=acme');
	expect(text).toMatch(/(dolor|sit)…$/);
	expect(text.length).toBeLessThan(200);
});

test('words match at their start only, as the index matches them, and a column named limits where', () => {
	expect(cut('tenant')).toContain('?tenant=acme');
	expect(cut('enant')).toBe('Invoice sync'); // not a word start: the name says which workflow
	expect(cut('name:sync')).toBe('Invoice sync');
	expect(cut('text:invoices')).toContain('/invoices?tenant');
});
