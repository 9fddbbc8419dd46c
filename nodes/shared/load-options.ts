import type {
	IDataObject,
	IDisplayOptions,
	ILoadOptionsFunctions,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { companionRequest } from './transport';

/** The companion's environments, for an Environment dropdown. */
export async function getEnvironments(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const { data } = await companionRequest.call(this, { method: 'GET', path: '/environments', itemIndex: 0 });
	return ((data ?? []) as IDataObject[]).map((environment) => ({
		name: `${environment.name} (${environment.class})`,
		value: String(environment.id),
	}));
}

/** The same, after an "All Environments" choice: what an untouched optional filter holds. */
export async function getEnvironmentsOrAll(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return [{ name: 'All Environments', value: '' }, ...(await getEnvironments.call(this))];
}

/** A comma-separated list of ids, as typed in a field. */
export const idList = (value: string): string[] =>
	value
		.split(',')
		.map((id) => id.trim())
		.filter(Boolean);

/**
 * The Environment dropdown, filled by getEnvironments; `what` says what the environment is for. An
 * optional one offers "All Environments" as well, so its empty default is a valid choice.
 */
export const environmentField = (
	displayOptions: IDisplayOptions | undefined,
	what: string,
	required = true,
): INodeProperties => ({
	displayName: 'Environment Name or ID',
	name: 'environmentId',
	type: 'options',
	typeOptions: { loadOptionsMethod: required ? 'getEnvironments' : 'getEnvironmentsOrAll' },
	required,
	default: '',
	description: `${what}. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
	...(displayOptions && { displayOptions }),
});

/** A Workflow IDs option for a collection: some workflows, or all when empty. */
export const workflowIdsOption: INodeProperties = {
	displayName: 'Workflow IDs',
	name: 'workflowIds',
	type: 'string',
	default: '',
	placeholder: 'a1B2c3, d4E5f6',
	description: 'Only these workflows, comma-separated; every workflow when empty',
};
