import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
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
];

/** Resolves the incident; a revert waits for its restore to finish and fails with its reason. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const { incident, job } = await companionRequest.call(this, {
		method: 'POST',
		path: incidentPath(this, itemIndex, '/resolve'),
		body: {
			resolution: this.getNodeParameter('resolution', itemIndex) as string,
			note: this.getNodeParameter('note', itemIndex, '') as string,
		},
		itemIndex,
	});
	if (!job) return [incident as IDataObject];
	const restored = await companionJob.call(this, String((job as IDataObject).id), itemIndex);
	const closed = await companionRequest.call(this, {
		method: 'GET',
		path: incidentPath(this, itemIndex, ''),
		itemIndex,
	});
	return [{ ...closed, restore: restored }];
}
