import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionJob, companionRequest } from '../../shared/transport';
import { promotionPath } from './promotion-id';

export const description: INodeProperties[] = [
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		description: 'Why it is rolled back: kept in the audit log',
		displayOptions: { show: { operation: ['rollback'] } },
	},
	{
		displayName: 'Override Hand Edits (Workflow IDs)',
		name: 'overrideHotfixes',
		type: 'string',
		default: '',
		placeholder: 'e.g. 12, 15',
		description:
			'Target workflows changed since the promotion whose changes the rollback may overwrite, comma-separated (they stay in the snapshot taken before it)',
		displayOptions: { show: { operation: ['rollback'] } },
	},
];

/**
 * Execute or Roll Back: starts the companion's job, waits for it to end, and returns the promotion as
 * it ends; a job that fails fails the node with the companion's reason.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const operation = this.getNodeParameter('operation', itemIndex) as 'execute' | 'rollback';
	const overrides =
		operation === 'rollback' ? (this.getNodeParameter('overrideHotfixes', itemIndex, '') as string) : '';
	const job = await companionRequest.call(this, {
		method: 'POST',
		path: promotionPath(this, itemIndex, `/${operation}`),
		body:
			operation === 'rollback'
				? {
						reason: this.getNodeParameter('reason', itemIndex, '') as string,
						overrideHotfixes: overrides
							.split(',')
							.map((id) => id.trim())
							.filter(Boolean),
					}
				: {},
		itemIndex,
	});
	await companionJob.call(this, String(job.id), itemIndex);
	return [await companionRequest.call(this, { method: 'GET', path: promotionPath(this, itemIndex), itemIndex })];
}
