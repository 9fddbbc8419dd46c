import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { companionRequest } from './transport';

/** The companion's environments, for an Environment dropdown. */
export async function getEnvironments(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { data } = await companionRequest.call(this, { method: 'GET', path: '/environments', itemIndex: 0 });
	return ((data ?? []) as IDataObject[]).map((environment) => ({
		name: `${environment.name} (${environment.class})`,
		value: String(environment.id),
	}));
}

/** A comma-separated list of ids, as typed in a field. */
export const idList = (value: string): string[] =>
	value
		.split(',')
		.map((id) => id.trim())
		.filter(Boolean);
