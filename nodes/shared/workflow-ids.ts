import type { INodeProperties } from 'n8n-workflow';

/** A comma-separated list of ids, as typed in a field. */
export const idList = (value: string): string[] =>
	value
		.split(',')
		.map((id) => id.trim())
		.filter(Boolean);

/** A Workflow IDs option for a collection: some workflows, or all when empty. */
export const workflowIdsOption: INodeProperties = {
	displayName: 'Workflow IDs',
	name: 'workflowIds',
	type: 'string',
	default: '',
	placeholder: 'a1B2c3, d4E5f6',
	description: 'Only these workflows, comma-separated; every workflow when empty',
};
