/** An item of a list page, with the exact JSON text n8n sent for it. */
export interface Listed<T> {
	item: T;
	raw: string;
}

/** An item read otherwise than from a list page, with its JSON text written as n8n writes it. */
export const listedOf = <T>(item: T): Listed<T> => ({ item, raw: JSON.stringify(item) });

export interface ListPage<T> {
	items: Array<Listed<T>>;
	nextCursor: string | null;
}

/** n8n's list pages start so: `{"data":[` (its `nextCursor` comes after the items). */
const PREFIX = new TextEncoder().encode('{"data":[');
const [QUOTE, BACKSLASH, COMMA, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = [34, 92, 44, 123, 125, 91, 93];
const isSpace = (byte: number) => byte === 32 || byte === 10 || byte === 13 || byte === 9;

/**
 * Reads a list page as it streams in: each item of `data` is cut out of the bytes and parsed the moment
 * its last byte arrives, so the page is ready as soon as its body ends and every item keeps the very
 * text n8n sent. A page that starts otherwise than n8n writes its pages is parsed whole once it is in.
 * Throws a SyntaxError when the body is not JSON.
 */
export async function readListPage<T>(body: AsyncIterable<Uint8Array>): Promise<ListPage<T>> {
	const splitter = new ItemSplitter();
	for await (const chunk of body) splitter.push(chunk);
	return splitter.end<T>();
}

/**
 * Cuts the items of a `{"data":[…],…}` body out of its chunks. Bytes are scanned, not characters: no
 * byte of a multi-byte UTF-8 character is an ASCII one, so quotes, brackets and braces are found
 * without decoding, and an item's bytes are decoded once, whole.
 */
class ItemSplitter {
	private readonly chunks: Uint8Array[] = [];
	private readonly items: Array<Listed<unknown>> = [];
	private readonly decoder = new TextDecoder();
	private state: 'prefix' | 'items' | 'rest' | 'other' = 'prefix';
	private prefixSeen = 0;
	/** Depth inside the current item; 0 between items. */
	private depth = 0;
	private inString = false;
	/** The next byte is escaped by a backslash that ended the last chunk. */
	private escaped = false;
	/** The current item's bytes from earlier chunks. */
	private itemPieces: Uint8Array[] = [];
	private rest: Uint8Array[] = [];

	push(chunk: Uint8Array): void {
		this.chunks.push(chunk);
		let at = this.state === 'prefix' ? this.matchPrefix(chunk) : 0;
		if (this.state === 'items') at = this.scanItems(chunk, at);
		if (this.state === 'rest' && at < chunk.length) this.rest.push(chunk.subarray(at));
	}

	end<T>(): ListPage<T> {
		if (this.state !== 'rest') return this.parseWhole<T>();
		const envelope = JSON.parse(`{"data":[]${this.decode(this.rest)}`) as { nextCursor?: unknown };
		return { items: this.items as Array<Listed<T>>, nextCursor: cursorOf(envelope) };
	}

	private matchPrefix(chunk: Uint8Array): number {
		let at = 0;
		while (at < chunk.length && this.prefixSeen < PREFIX.length) {
			if (chunk[at] !== PREFIX[this.prefixSeen]) {
				this.state = 'other';
				return chunk.length;
			}
			at++;
			this.prefixSeen++;
		}
		if (this.prefixSeen === PREFIX.length) this.state = 'items';
		return at;
	}

	/** Scans `chunk` from `at` for items; returns where the bytes after `data`'s closing bracket start. */
	private scanItems(chunk: Uint8Array, at: number): number {
		let start = this.depth > 0 ? 0 : -1;
		for (let i = at; i < chunk.length; i++) {
			if (this.inString) {
				i = this.skipString(chunk, i);
				continue;
			}
			const byte = chunk[i];
			if (this.depth === 0) {
				if (byte === CLOSE_BRACKET) {
					this.state = 'rest';
					return i + 1;
				}
				if (byte !== OPEN_BRACE && byte !== OPEN_BRACKET && byte !== COMMA && !isSpace(byte)) {
					// A bare value in `data`: not a list of objects, read the usual way.
					this.state = 'other';
					return chunk.length;
				}
			}
			if (byte === QUOTE) this.inString = true;
			else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
				if (this.depth++ === 0) start = i;
			} else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --this.depth === 0) {
				this.keepItem(chunk.subarray(start, i + 1));
				start = -1;
			}
		}
		if (start >= 0) this.itemPieces.push(chunk.subarray(start));
		return chunk.length;
	}

	/** From `i` inside a string: the index of its closing quote, or the chunk's last index if it goes on. */
	private skipString(chunk: Uint8Array, i: number): number {
		if (this.escaped) {
			this.escaped = false;
			i++;
		}
		for (;;) {
			const quote = chunk.indexOf(QUOTE, i);
			const end = quote < 0 ? chunk.length : quote;
			let backslashes = 0;
			while (end - backslashes - 1 >= i && chunk[end - backslashes - 1] === BACKSLASH) backslashes++;
			if (quote < 0) {
				this.escaped = backslashes % 2 === 1;
				return chunk.length - 1;
			}
			if (backslashes % 2 === 0) {
				this.inString = false;
				return quote;
			}
			i = quote + 1;
		}
	}

	private keepItem(last: Uint8Array): void {
		const raw = this.decode([...this.itemPieces, last]);
		this.itemPieces = [];
		this.items.push({ item: JSON.parse(raw), raw });
	}

	private decode(pieces: Uint8Array[]): string {
		return this.decoder.decode(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces));
	}

	private parseWhole<T>(): ListPage<T> {
		const page = JSON.parse(this.decode(this.chunks)) as { data?: unknown; nextCursor?: unknown };
		if (!Array.isArray(page?.data)) throw new SyntaxError('a list page without a data array');
		return { items: (page.data as T[]).map(listedOf), nextCursor: cursorOf(page) };
	}
}

const cursorOf = (page: { nextCursor?: unknown }) => (typeof page.nextCursor === 'string' ? page.nextCursor : null);
