/**
 * At most `size` calls at once to one n8n instance, whatever asks: a snapshot of 1,000 selected
 * workflows, a sync and a scheduled check together. Calls past the limit wait their turn, in order.
 */
export class RequestSlots {
	private busy = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(readonly size: number) {}

	async run<T>(call: () => Promise<T>): Promise<T> {
		if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
		else this.busy++;
		try {
			return await call();
		} finally {
			const next = this.waiting.shift();
			if (next) next();
			else this.busy--;
		}
	}
}

/** One set of slots per n8n base URL, shared by every client made for it. */
export function slotsPerInstance(size: number): (baseUrl: string) => RequestSlots {
	const slots = new Map<string, RequestSlots>();
	return (baseUrl) => {
		const key = baseUrl.replace(/\/+$/, '');
		let found = slots.get(key);
		if (!found) slots.set(key, (found = new RequestSlots(size)));
		return found;
	};
}
