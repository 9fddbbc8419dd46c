import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentField, idList, workflowIdsOption } from '../../shared/load-options';
import { companionRequest } from '../../shared/transport';

const show = { show: { operation: ['create'] } };

export const description: INodeProperties[] = [
	environmentField(show, 'The n8n instance to take the snapshot of'),
	{
		displayName: 'Label',
		name: 'label',
		type: 'string',
		default: '',
		placeholder: 'before release 42',
		displayOptions: show,
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Reason',
				name: 'reason',
				type: 'string',
				default: '',
				description: 'Why the snapshot is taken (kept with it and in the audit log)',
			},
			workflowIdsOption,
		],
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const fields = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const workflowIds = idList(String(fields.workflowIds ?? ''));
	const body: IDataObject = {
		environmentId: this.getNodeParameter('environmentId', itemIndex) as string,
		label: this.getNodeParameter('label', itemIndex, '') as string,
		reason: String(fields.reason ?? ''),
		...(workflowIds.length && { workflowIds }),
	};
	return [await companionRequest.call(this, { method: 'POST', path: '/snapshots', body, itemIndex })];
}
