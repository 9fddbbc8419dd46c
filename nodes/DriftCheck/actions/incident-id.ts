import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

export const incidentIdField: INodeProperties = {
	displayName: 'Incident ID',
	name: 'incidentId',
	type: 'string',
	required: true,
	default: '',
	description: 'For example from a Check Environment summary (incidentId) or List Incidents',
	displayOptions: { show: { resource: ['incident'], operation: ['acknowledge', 'resolve'] } },
};

export const incidentPath = (context: IExecuteFunctions, itemIndex: number, tail: string) =>
	`/incidents/${encodeURIComponent(context.getNodeParameter('incidentId', itemIndex) as string)}${tail}`;
