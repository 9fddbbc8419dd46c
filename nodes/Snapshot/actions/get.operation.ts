import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { snapshotPath } from './snapshot-id';

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	return [await companionRequest.call(this, { method: 'GET', path: snapshotPath(this, itemIndex), itemIndex })];
}
