import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { listFields, listLimit } from '../../shared/list-fields';
import { companionList } from '../../shared/transport';

export const description: INodeProperties[] = [
	{
		displayName: 'Environment Name or ID',
		name: 'environmentId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getEnvironments' },
		default: '',
		description:
			'Only snapshots of this environment; every environment when empty. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { operation: ['list'] } },
	},
	...listFields('list'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const environmentId = this.getNodeParameter('environmentId', itemIndex, '') as string;
	const qs = environmentId ? { environmentId } : {};
	return companionList.call(this, { path: '/snapshots', qs, itemIndex }, listLimit(this, itemIndex));
}
