import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { snapshotPath } from './snapshot-id';

export const description: INodeProperties[] = [];

/** Pushes the snapshot to the environment's GitHub mirror as one commit. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	return [
		await companionRequest.call(this, { method: 'POST', path: snapshotPath(this, itemIndex, '/push'), itemIndex }),
	];
}
