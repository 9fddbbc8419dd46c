import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionList } from '../../shared/transport';

const show = { show: { operation: ['list'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Environment Name or ID',
		name: 'environmentId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getEnvironments' },
		default: '',
		description:
			'Only snapshots of this environment; every environment when empty. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: show,
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { operation: ['list'], returnAll: [false] } },
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const environmentId = this.getNodeParameter('environmentId', itemIndex, '') as string;
	const limit = this.getNodeParameter('returnAll', itemIndex)
		? undefined
		: (this.getNodeParameter('limit', itemIndex) as number);
	const qs = environmentId ? { environmentId } : {};
	return companionList.call(this, { path: '/snapshots', qs, itemIndex }, limit);
}
