import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentFilter } from '../../shared/environments';
import { listFields, listLimit } from '../../shared/list-fields';
import { companionList } from '../../shared/transport';

const STATUSES = [
	'PENDING_APPROVAL',
	'APPROVED',
	'RUNNING',
	'COMPLETED',
	'ROLLED_BACK',
	'FAILED',
	'REJECTED',
	'CANCELLED',
];

export const description: INodeProperties[] = [
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { operation: ['list'] } },
		options: [
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: STATUSES.map((value) => ({ name: value, value })),
				default: 'PENDING_APPROVAL',
			},
			{ ...environmentFilter(undefined, 'Only promotions into this environment'), name: 'targetEnvironmentId' },
		],
	},
	...listFields('list'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ''));
	return companionList.call(this, { path: '/promotions', qs, itemIndex }, listLimit(this, itemIndex));
}
