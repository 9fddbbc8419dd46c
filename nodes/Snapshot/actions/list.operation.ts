import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { listFields, listLimit } from '../../shared/list-fields';
import { environmentFilter } from '../../shared/environments';
import { companionList } from '../../shared/transport';

export const description: INodeProperties[] = [
	environmentFilter(
		{ show: { operation: ['list'] } },
		'Only snapshots of this environment; every environment when empty',
	),
	...listFields('list'),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const environmentId = this.getNodeParameter('environmentId', itemIndex, '') as string;
	const qs = environmentId ? { environmentId } : {};
	return companionList.call(this, { path: '/snapshots', qs, itemIndex }, listLimit(this, itemIndex));
}
