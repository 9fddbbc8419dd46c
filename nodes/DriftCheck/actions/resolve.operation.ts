import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { confirmParameter } from '../../shared/policy';
import { companionJob, companionRequest } from '../../shared/transport';
import { incidentPath } from './incident-id';

export const description: INodeProperties[] = [
	{
		displayName: 'Resolution',
		name: 'resolution',
		type: 'options',
		options: [
			{ name: 'Keep', value: 'keep', description: 'Live becomes the baseline of the drifted workflows (admin)' },
			{ name: 'Note', value: 'note', description: 'Close with an explanation (the Note is required)' },
			{
				name: 'Revert',
				value: 'revert',
				description: 'Write the baseline back to n8n, each workflow read back and checked (admin)',
			},
		],
		default: 'note',
		displayOptions: { show: { resource: ['incident'], operation: ['resolve'] } },
	},
	{
		displayName: 'Note',
		name: 'note',
		type: 'string',
		default: '',
		required: true,
		description: 'Why the incident is closed: kept with it and in the audit log',
		displayOptions: { show: { resource: ['incident'], operation: ['resolve'], resolution: ['note'] } },
	},
	{
		displayName: 'Note',
		name: 'note',
		type: 'string',
		default: '',
		description: 'Kept with the incident and in the audit log',
		displayOptions: { show: { resource: ['incident'], operation: ['resolve'], resolution: ['keep', 'revert'] } },
	},
	confirmParameter({ show: { resource: ['incident'], operation: ['resolve'], resolution: ['revert'] } }),
];

/**
 * Resolves the incident; a revert waits for its restore to finish and fails with its reason, or,
 * where the environment's class policy asks for approval, returns the request.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const resolution = this.getNodeParameter('resolution', itemIndex) as string;
	const { incident, job, approvalRequest } = await companionRequest.call(this, {
		method: 'POST',
		path: incidentPath(this, itemIndex, '/resolve'),
		body: {
			resolution,
			note: this.getNodeParameter('note', itemIndex, '') as string,
			...(resolution === 'revert' && { confirm: this.getNodeParameter('confirm', itemIndex, false) as boolean }),
		},
		itemIndex,
	});
	if (approvalRequest) return [{ ...(incident as IDataObject), approvalRequest }];
	if (!job) return [incident as IDataObject];
	const restored = await companionJob.call(this, String((job as IDataObject).id), itemIndex);
	const closed = await companionRequest.call(this, {
		method: 'GET',
		path: incidentPath(this, itemIndex, ''),
		itemIndex,
	});
	return [{ ...closed, restore: restored }];
}
