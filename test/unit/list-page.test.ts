import { readListPage } from '../../service/n8n/list-page';
import { corpusWorkflows } from '../support/corpus';

const bytes = (text: string) => new TextEncoder().encode(text);

/** The body cut into chunks at the given offsets. */
async function* cut(body: Uint8Array, at: number[]): AsyncGenerator<Uint8Array> {
	let from = 0;
	for (const to of [...at, body.length]) {
		yield body.subarray(from, to);
		from = to;
	}
}

/** Offsets every `size` bytes. */
const every = (size: number, length: number) =>
	Array.from({ length: Math.ceil(length / size) - 1 }, (_, i) => (i + 1) * size);

test('cuts real workflows out of a page in any chunking, each with the text n8n sent', async () => {
	const workflows = corpusWorkflows()
		.slice(0, 40)
		.map(({ workflow }) => workflow);
	const text = JSON.stringify({ data: workflows, nextCursor: 'eyJsYXN0SWQiOiI0MCJ9' });
	const body = bytes(text);
	const seeds = [1, 7, 64, 4093, 65_536, body.length];
	for (const size of seeds) {
		const page = await readListPage(cut(body, every(size, body.length)));
		expect(page.nextCursor).toBe('eyJsYXN0SWQiOiI0MCJ9');
		expect(page.items.map(({ item }) => item)).toEqual(workflows);
		expect(page.items.map(({ raw }) => raw)).toEqual(workflows.map((workflow) => JSON.stringify(workflow)));
	}
});

test('escapes, brackets in strings and multi-byte characters split anywhere', async () => {
	const data = [
		{ code: 'if (a) { return "}]"; } \\', note: 'ends with a backslash \\\\' },
		{ quote: 'say \\"hi\\" \\\\"', text: 'é – ✓ 🚀 日本', nested: [[{ a: '[' }], { b: '{' }] },
		[1, 2, { three: '"' }],
	];
	const text = JSON.stringify({ data, nextCursor: null });
	const body = bytes(text);
	for (let at = 1; at < body.length; at++) {
		for (const second of [at + 1, at + 3]) {
			const page = await readListPage(cut(body, second < body.length ? [at, second] : [at]));
			expect(page.items.map(({ item }) => item)).toEqual(data);
			expect(page.items.map(({ raw }) => raw)).toEqual(data.map((item) => JSON.stringify(item)));
			expect(page.nextCursor).toBeNull();
		}
	}
});

test.each([
	['an empty page', '{"data":[]}', [], null],
	['a page without a cursor', '{"data":[{"id":"1"}]}', [{ id: '1' }], null],
	['pretty-printed', JSON.stringify({ data: [{ id: '1' }], nextCursor: 'n' }, null, 2), [{ id: '1' }], 'n'],
	['the cursor first', '{"nextCursor":"n","data":[{"id":"1"}]}', [{ id: '1' }], 'n'],
	['bare values', '{"data":[1,"two",{"id":"3"}],"nextCursor":"n"}', [1, 'two', { id: '3' }], 'n'],
	['spaces between items', '{"data":[ {"id":"1"} ,\n{"id":"2"} ],"nextCursor":"n"}', [{ id: '1' }, { id: '2' }], 'n'],
])('%s is read too', async (_name, text, items, nextCursor) => {
	const page = await readListPage(cut(bytes(text), every(3, text.length)));
	expect(page.items.map(({ item }) => item)).toEqual(items);
	expect(page.items.map(({ raw }) => raw)).toEqual(items.map((item) => JSON.stringify(item)));
	expect(page.nextCursor).toBe(nextCursor);
});

test.each([
	['cut off inside an item', '{"data":[{"id":"1"},{"id":'],
	['cut off after the items', '{"data":[{"id":"1"}],"nextCur'],
	['a bracket for a brace', '{"data":[{"id":"1"]],"nextCursor":null}'],
	['a brace for the closing bracket', '{"data":[{"id":"1"}}'],
	['no data', '{"items":[]}'],
	['not JSON at all', '<html>Bad gateway</html>'],
	['nothing', ''],
])('%s is not a page', async (_name, text) => {
	await expect(readListPage(cut(bytes(text), every(4, text.length)))).rejects.toThrow(SyntaxError);
});
