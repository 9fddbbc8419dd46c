import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';

export const description: INodeProperties[] = [
	{
		displayName: 'Request ID',
		name: 'requestId',
		type: 'string',
		required: true,
		default: '',
		description:
			'The ID of the operation waiting for approval: the request’s ID in the data of the WorkflowOps Trigger’s Operation Approval Requested event',
		displayOptions: { show: { operation: ['approveOperation', 'rejectOperation'] } },
	},
];

/**
 * Approve or Reject an operation on n8n (activate, delete, restore) that a class policy holds for
 * approval; an approval runs it at once and returns the request with its job or result.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const verb = this.getNodeParameter('operation', itemIndex) === 'approveOperation' ? 'approve' : 'reject';
	const requestId = (this.getNodeParameter('requestId', itemIndex) as string).trim();
	const decidedBy = this.getNodeParameter('decidedBy', itemIndex, '') as string;
	return [
		await companionRequest.call(this, {
			method: 'POST',
			path: `/operation-requests/${encodeURIComponent(requestId)}/${verb}`,
			body: { comment: this.getNodeParameter('comment', itemIndex, '') as string, ...(decidedBy && { decidedBy }) },
			itemIndex,
		}),
	];
}
