import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { idList } from '../../shared/workflow-ids';
import { confirmParameter } from '../../shared/policy';
import { companionJob, companionRequest } from '../../shared/transport';
import { perWorkflow } from './compare.operation';
import { snapshotPath } from './snapshot-id';

const show = { show: { operation: ['restore'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		options: [
			{
				name: 'Preview',
				value: 'preview',
				description: 'One item per workflow: what restore would do (create, update, delete, none) and its risk',
			},
			{
				name: 'Apply',
				value: 'apply',
				description:
					'Restore (admin): a snapshot of live first, each workflow read back and checked, everything undone on a failure',
			},
		],
		default: 'preview',
		displayOptions: show,
	},
	{
		displayName: 'Workflows',
		name: 'scope',
		type: 'options',
		options: [
			{ name: 'All', value: 'all' },
			{ name: 'Selected', value: 'selected' },
		],
		default: 'all',
		displayOptions: show,
	},
	{
		displayName: 'Workflow IDs',
		name: 'workflowIds',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'a1B2c3, d4E5f6',
		description: 'Comma-separated: IDs in the snapshot, or live IDs the snapshot lacks (restore deletes those)',
		displayOptions: { show: { operation: ['restore'], scope: ['selected'] } },
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		description: 'Why (kept in the audit log, and shown to the approver where one is needed)',
		displayOptions: { show: { operation: ['restore'], mode: ['apply'] } },
	},
	confirmParameter({ show: { operation: ['restore'], mode: ['apply'] } }),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const workflowIds =
		this.getNodeParameter('scope', itemIndex) === 'selected'
			? idList(this.getNodeParameter('workflowIds', itemIndex) as string)
			: undefined;
	if (this.getNodeParameter('mode', itemIndex) === 'preview') {
		const { workflows } = await companionRequest.call(this, {
			method: 'POST',
			path: snapshotPath(this, itemIndex, '/restore'),
			body: { mode: 'preview', ...(workflowIds && { workflowIds }) },
			itemIndex,
		});
		return perWorkflow(this, itemIndex, workflows as IDataObject[]);
	}
	const job = await companionRequest.call(this, {
		method: 'POST',
		path: snapshotPath(this, itemIndex, '/restore'),
		body: {
			mode: 'apply',
			reason: this.getNodeParameter('reason', itemIndex, '') as string,
			confirm: this.getNodeParameter('confirm', itemIndex, false) as boolean,
			...(workflowIds && { workflowIds }),
		},
		itemIndex,
	});
	if (job.approvalRequest) return [{ approvalRequest: job.approvalRequest }];
	return [{ jobId: job.id, ...(await companionJob.call(this, String(job.id), itemIndex)) }];
}
