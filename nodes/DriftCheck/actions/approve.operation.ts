import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { idList, workflowIdsOption } from '../../shared/workflow-ids';
import { companionRequest } from '../../shared/transport';
import { environmentPath } from './environment-id';

export const description: INodeProperties[] = [
	{
		displayName: 'Additional Fields',
		name: 'approveFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: { resource: ['environment'], operation: ['approve'] } },
		options: [
			{
				displayName: 'Note',
				name: 'note',
				type: 'string',
				default: '',
				description: 'Why (kept in the audit log)',
			},
			workflowIdsOption,
		],
	},
];

/** What runs now becomes the baseline (admin token). */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const fields = this.getNodeParameter('approveFields', itemIndex, {}) as IDataObject;
	const workflowIds = idList(String(fields.workflowIds ?? ''));
	const baseline = await companionRequest.call(this, {
		method: 'POST',
		path: await environmentPath(this, itemIndex, '/baseline'),
		body: { note: String(fields.note ?? ''), ...(workflowIds.length && { workflowIds }) },
		itemIndex,
	});
	return [{ environmentId: baseline.environmentId, workflows: (baseline.workflows as IDataObject[]).length }];
}
