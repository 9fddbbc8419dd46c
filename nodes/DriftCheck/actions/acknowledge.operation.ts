import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { incidentPath } from './incident-id';

export const description: INodeProperties[] = [
	{
		displayName: 'Note',
		name: 'note',
		type: 'string',
		default: '',
		description: 'Kept with the incident and in the audit log',
		displayOptions: { show: { resource: ['incident'], operation: ['acknowledge'] } },
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const note = this.getNodeParameter('note', itemIndex, '') as string;
	return [
		await companionRequest.call(this, {
			method: 'POST',
			path: incidentPath(this, itemIndex, '/acknowledge'),
			body: { note },
			itemIndex,
		}),
	];
}
