import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentIdOf, environmentLocator } from '../../shared/environments';

export const environmentIdField: INodeProperties = environmentLocator(
	{ show: { resource: ['environment'] } },
	'The n8n instance',
);

export const environmentPath = async (context: IExecuteFunctions, itemIndex: number, tail: string) =>
	`/environments/${encodeURIComponent(await environmentIdOf.call(context, itemIndex))}${tail}`;
