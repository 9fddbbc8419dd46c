import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { listFields, listLimit } from '../../shared/list-fields';
import { environmentFilter } from '../../shared/environments';
import { companionList } from '../../shared/transport';

const show = { show: { operation: ['query'] } };

export const description: INodeProperties[] = [
	...listFields('query'),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Action',
				name: 'action',
				type: 'string',
				default: '',
				placeholder: 'environment.*',
				description: 'An action, or a prefix ending in .*',
			},
			{ displayName: 'Actor', name: 'actor', type: 'string', default: '', description: 'User email or token name' },
			{ displayName: 'Actor ID', name: 'actorId', type: 'string', default: '', description: 'User or token ID' },
			environmentFilter(undefined, 'Only entries about this environment'),
			{
				displayName: 'From',
				name: 'from',
				type: 'dateTime',
				default: '',
				description: 'Entries at or after this time',
			},
			{ displayName: 'Resource ID', name: 'resourceId', type: 'string', default: '' },
			{ displayName: 'Resource Type', name: 'resourceType', type: 'string', default: '' },
			{ displayName: 'To', name: 'to', type: 'dateTime', default: '', description: 'Entries before this time' },
		],
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs: IDataObject = {};
	for (const [key, value] of Object.entries(filters)) {
		if (value === '' || value === undefined) continue;
		qs[key] = key === 'from' || key === 'to' ? new Date(String(value)).toISOString() : value;
	}
	return companionList.call(this, { path: '/audit', qs, itemIndex }, listLimit(this, itemIndex));
}
