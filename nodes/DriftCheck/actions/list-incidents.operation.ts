import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { listFields, listLimit } from '../../shared/list-fields';
import { environmentFilter } from '../../shared/environments';
import { companionList } from '../../shared/transport';

export const description: INodeProperties[] = [
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { resource: ['incident'], operation: ['list'] } },
		options: [
			environmentFilter(undefined, 'Only incidents of this environment'),
			{
				displayName: 'Severity',
				name: 'severity',
				type: 'options',
				options: ['critical', 'high', 'medium', 'low'].map((value) => ({ name: value, value })),
				default: 'critical',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: ['OPEN', 'ACKNOWLEDGED', 'RESOLVED'].map((value) => ({ name: value, value })),
				default: 'OPEN',
			},
		],
	},
	...listFields('list'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ''));
	return companionList.call(this, { path: '/incidents', qs, itemIndex }, listLimit(this, itemIndex));
}
