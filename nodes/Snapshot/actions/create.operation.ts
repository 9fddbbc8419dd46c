import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { idList } from '../../shared/load-options';
import { companionRequest } from '../../shared/transport';

const show = { show: { operation: ['create'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Environment Name or ID',
		name: 'environmentId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getEnvironments' },
		required: true,
		default: '',
		description:
			'The n8n instance to take the snapshot of. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: show,
	},
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
			{
				displayName: 'Workflow IDs',
				name: 'workflowIds',
				type: 'string',
				default: '',
				placeholder: 'a1B2c3, d4E5f6',
				description: 'Only these workflows, comma-separated; every workflow when empty',
			},
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
