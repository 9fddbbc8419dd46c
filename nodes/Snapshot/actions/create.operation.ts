import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentIdOf, environmentLocator } from '../../shared/environments';
import { idList, workflowIdsOption } from '../../shared/workflow-ids';
import { companionRequest } from '../../shared/transport';

const show = { show: { operation: ['create'] } };

export const description: INodeProperties[] = [
	environmentLocator(show, 'The n8n instance to take the snapshot of'),
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
		environmentId: await environmentIdOf.call(this, itemIndex),
		label: this.getNodeParameter('label', itemIndex, '') as string,
		reason: String(fields.reason ?? ''),
		...(workflowIds.length && { workflowIds }),
	};
	return [await companionRequest.call(this, { method: 'POST', path: '/snapshots', body, itemIndex })];
}
