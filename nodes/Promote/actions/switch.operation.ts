import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentIdOf, environmentLocator } from '../../shared/environments';
import { confirmParameter } from '../../shared/policy';
import { companionJob, companionRequest } from '../../shared/transport';
import { idList } from '../../shared/workflow-ids';

const show = { show: { operation: ['activate', 'deactivate'] } };

export const description: INodeProperties[] = [
	environmentLocator(show, 'The n8n instance whose workflows to switch'),
	{
		displayName: 'Workflow IDs',
		name: 'switchWorkflowIds',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'a1B2c3, d4E5f6',
		description: 'The n8n IDs of the workflows to switch, comma-separated',
		displayOptions: show,
	},
	{
		displayName: 'Reason',
		name: 'switchReason',
		type: 'string',
		default: '',
		description: 'Why (kept in the audit log, and shown to the approver where one is needed)',
		displayOptions: show,
	},
	confirmParameter(show),
];

type Outcome = IDataObject & { workflowId: string };

/**
 * Activate or Deactivate (publish or unpublish on n8n 2.x) workflows in one environment and wait for
 * it: one item per workflow saying whether it changed, already was so, or failed and why; or, where
 * the environment's class policy asks for approval, the request waiting for another admin.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const active = this.getNodeParameter('operation', itemIndex) === 'activate';
	const environmentId = await environmentIdOf.call(this, itemIndex);
	const answer = await companionRequest.call(this, {
		method: 'POST',
		path: `/environments/${encodeURIComponent(environmentId)}/activation`,
		body: {
			workflowIds: idList(this.getNodeParameter('switchWorkflowIds', itemIndex) as string),
			active,
			reason: this.getNodeParameter('switchReason', itemIndex, '') as string,
			confirm: this.getNodeParameter('confirm', itemIndex, false) as boolean,
		},
		itemIndex,
	});
	if (answer.approvalRequest) return [{ approvalRequest: answer.approvalRequest }];
	const result = await companionJob.call(this, String(answer.id), itemIndex);
	const operation = active ? 'activate' : 'deactivate';
	const outcomes = (status: 'changed' | 'unchanged' | 'failed') =>
		((result[status] ?? []) as Outcome[]).map((outcome) => ({ ...outcome, environmentId, operation, status }));
	return [...outcomes('changed'), ...outcomes('unchanged'), ...outcomes('failed')];
}
