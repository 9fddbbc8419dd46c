import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { environmentLocator, resolveEnvironment } from '../../shared/environments';
import { companionRequest } from '../../shared/transport';

const show = { show: { operation: ['write'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Action',
		name: 'action',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'invoice.approved',
		description: 'What happened. Stored as custom.&lt;action&gt;; letters, digits, dots, dashes and underscores.',
		displayOptions: show,
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show,
		options: [
			environmentLocator(undefined, 'The companion environment this concerns', false),
			{
				displayName: 'Metadata',
				name: 'metadata',
				type: 'json',
				default: '{}',
				description: 'Any JSON object to keep with the entry (at most 16 KB)',
			},
			{ displayName: 'Resource ID', name: 'resourceId', type: 'string', default: '' },
			{ displayName: 'Resource Type', name: 'resourceType', type: 'string', default: '', placeholder: 'workflow' },
		],
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const action = this.getNodeParameter('action', itemIndex) as string;
	const fields = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const body: IDataObject = { action };
	for (const key of ['resourceId', 'resourceType']) {
		if (fields[key]) body[key] = fields[key];
	}
	const environment = String(locatorValue(fields.environmentId)).trim();
	if (environment) body.environmentId = await resolveEnvironment.call(this, environment, itemIndex);
	if (fields.metadata !== undefined) body.metadata = parseMetadata.call(this, fields.metadata, itemIndex);
	return [await companionRequest.call(this, { method: 'POST', path: '/audit', body, itemIndex })];
}

/** What a locator inside a collection holds; a plain string is taken as it is. */
const locatorValue = (value: unknown) =>
	value && typeof value === 'object' ? ((value as IDataObject).value ?? '') : (value ?? '');

function parseMetadata(this: IExecuteFunctions, value: unknown, itemIndex: number): IDataObject {
	let parsed = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value || '{}');
		} catch {
			throw new NodeOperationError(this.getNode(), 'Metadata is not valid JSON', { itemIndex });
		}
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new NodeOperationError(this.getNode(), 'Metadata must be a JSON object, e.g. {"invoice": 42}', { itemIndex });
	}
	return parsed as IDataObject;
}
