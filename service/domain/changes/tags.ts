import type { N8nClient, N8nTag } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';

/** Tag names to the instance's tag ids; a tag missing there is created. The list is read once. */
export class TagResolver {
	private known?: Promise<Map<string, string>>;

	constructor(private readonly client: N8nClient) {}

	async idsOf(names: string[]): Promise<string[]> {
		const known = await (this.known ??= this.list());
		const ids: string[] = [];
		for (const name of names) {
			if (!known.has(name)) known.set(name, (await this.create(name)).id);
			ids.push(known.get(name)!);
		}
		return ids;
	}

	private async list(): Promise<Map<string, string>> {
		return new Map((await this.client.listTags()).map((tag) => [tag.name, tag.id]));
	}

	/** Created, or made meanwhile by someone else (409): then found by its name. */
	private async create(name: string): Promise<N8nTag> {
		try {
			return await this.client.createTag(name);
		} catch (error) {
			if (!(error instanceof N8nError && error.status === 409)) throw error;
			const made = (await this.client.listTags()).find((tag) => tag.name === name);
			if (!made) throw error;
			return made;
		}
	}
}
