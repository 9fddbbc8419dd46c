import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentField } from '../../shared/load-options';

export const environmentIdField: INodeProperties = environmentField(
	{ show: { resource: ['environment'] } },
	'The n8n instance',
);

export const environmentPath = (context: IExecuteFunctions, itemIndex: number, tail: string) =>
	`/environments/${encodeURIComponent(context.getNodeParameter('environmentId', itemIndex) as string)}${tail}`;
