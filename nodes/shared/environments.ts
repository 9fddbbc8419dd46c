import type {
	IDataObject,
	IDisplayOptions,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { isUuid, locatedId } from './resource-locator';
import { companionBaseUrl, companionRequest } from './transport';

/** The companion's environments. */
export async function listEnvironments(
	this: IExecuteFunctions | ILoadOptionsFunctions,
	itemIndex: number,
): Promise<IDataObject[]> {
	const { data } = await companionRequest.call(this, { method: 'GET', path: '/environments', itemIndex });
	return (data ?? []) as IDataObject[];
}

/** "All Environments", then the companion's environments: what an optional environment filter offers. */
export async function getEnvironmentsOrAll(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const environments = (await listEnvironments.call(this, 0)).map((environment) => ({
		name: `${environment.name} (${environment.class})`,
		value: String(environment.id),
	}));
	return [{ name: 'All Environments', value: '' }, ...environments];
}

/** Each environment's name by its id. */
export async function environmentNames(this: ILoadOptionsFunctions): Promise<Map<string, string>> {
	const environments = await listEnvironments.call(this, 0);
	return new Map(environments.map((environment) => [String(environment.id), String(environment.name)]));
}

/** The environments whose name holds `filter`, for the Environment locator's list. */
export async function searchEnvironments(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const baseUrl = await companionBaseUrl.call(this, 0);
	const wanted = (filter ?? '').trim().toLowerCase();
	const environments = (await listEnvironments.call(this, 0)).filter((environment) =>
		String(environment.name).toLowerCase().includes(wanted),
	);
	return {
		results: environments.map((environment) => ({
			name: `${environment.name} (${environment.class})`,
			value: String(environment.id),
			url: `${baseUrl}/environments/${String(environment.id)}`,
		})),
	};
}

/**
 * The Environment a node acts on: picked from the list, or given by name or ID, so an AI agent can
 * say "prod". A name that matches no environment fails the item, listing the names there are.
 */
export const environmentLocator = (
	displayOptions: IDisplayOptions | undefined,
	what: string,
	required = true,
	field: { name: string; displayName: string } = { name: 'environmentId', displayName: 'Environment' },
): INodeProperties => ({
	...field,
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required,
	description: what,
	...(displayOptions && { displayOptions }),
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an environment...',
			typeOptions: { searchListMethod: 'searchEnvironments', searchable: true },
		},
		{
			displayName: 'By Name or ID',
			name: 'name',
			type: 'string',
			placeholder: 'prod',
			hint: 'The environment’s name in the companion, or its ID',
		},
	],
});

/** The ID of the environment an Environment locator (by default the one named environmentId) names. */
export async function environmentIdOf(
	this: IExecuteFunctions,
	itemIndex: number,
	name = 'environmentId',
): Promise<string> {
	return resolveEnvironment.call(this, locatedId(this, name, itemIndex), itemIndex);
}

/** The ID of the environment with this name or ID. */
export async function resolveEnvironment(this: IExecuteFunctions, given: string, itemIndex: number): Promise<string> {
	if (isUuid(given)) return given;
	const environments = await listEnvironments.call(this, itemIndex);
	const named = environments.find((environment) => String(environment.name).toLowerCase() === given.toLowerCase());
	if (named) return String(named.id);
	const names = environments.map((environment) => `"${environment.name}"`).join(', ') || 'none yet';
	throw new NodeOperationError(
		this.getNode(),
		given ? `No environment is named "${given}"` : 'No environment is chosen',
		{ description: `The companion's environments: ${names}`, itemIndex },
	);
}

/**
 * An optional environment filter, filled by getEnvironmentsOrAll; `what` says what it filters. Its
 * empty default is the listed "All Environments", so an untouched node shows no issue.
 */
export const environmentFilter = (displayOptions: IDisplayOptions | undefined, what: string): INodeProperties => ({
	displayName: 'Environment Name or ID',
	name: 'environmentId',
	type: 'options',
	typeOptions: { loadOptionsMethod: 'getEnvironmentsOrAll' },
	default: '',
	description: `${what}. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
	...(displayOptions && { displayOptions }),
});
