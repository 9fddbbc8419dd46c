import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { promotionPath } from './promotion-id';

export const description: INodeProperties[] = [
	{
		displayName: 'Comment',
		name: 'comment',
		type: 'string',
		required: true,
		default: '',
		description: 'Why it is rejected: kept with the promotion or request and in the audit log',
		displayOptions: { show: { operation: ['reject', 'rejectOperation'] } },
	},
	{
		displayName: 'Comment',
		name: 'comment',
		type: 'string',
		default: '',
		description: 'Kept with the promotion or request and in the audit log',
		displayOptions: { show: { operation: ['approve', 'cancel', 'approveOperation'] } },
	},
	{
		displayName: 'Decided By',
		name: 'decidedBy',
		type: 'string',
		default: '',
		placeholder: 'dana@example.com',
		description:
			'The person who decided, for instance in Slack or a form, kept in the audit log (the token is the approver)',
		displayOptions: { show: { operation: ['approve', 'reject', 'approveOperation', 'rejectOperation'] } },
	},
];

/** Approve, Reject or Cancel: the operation is the verb the companion takes. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const operation = this.getNodeParameter('operation', itemIndex) as string;
	const decidedBy = operation === 'cancel' ? '' : (this.getNodeParameter('decidedBy', itemIndex, '') as string);
	return [
		await companionRequest.call(this, {
			method: 'POST',
			path: promotionPath(this, itemIndex, `/${operation}`),
			body: { comment: this.getNodeParameter('comment', itemIndex, '') as string, ...(decidedBy && { decidedBy }) },
			itemIndex,
		}),
	];
}
