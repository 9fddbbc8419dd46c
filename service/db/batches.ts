/** `items` in runs of at most `size`: one statement each stays under SQLite's limit of bound values. */
export function chunks<T>(items: T[], size: number): T[][] {
	return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}
