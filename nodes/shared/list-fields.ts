import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** Return All and Limit, shown for a list operation. */
export const listFields = (operation: string): INodeProperties[] => [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: { operation: [operation] } },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { operation: [operation], returnAll: [false] } },
	},
];

/** The limit to read up to, or undefined for all. */
export function listLimit(context: IExecuteFunctions, itemIndex: number): number | undefined {
	return context.getNodeParameter('returnAll', itemIndex)
		? undefined
		: (context.getNodeParameter('limit', itemIndex) as number);
}
