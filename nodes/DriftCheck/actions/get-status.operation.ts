import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { environmentPath } from './environment-id';

/** NEW, IN_SYNC, DRIFT_DETECTED, ERROR or UNKNOWN, with the last check and the open incident. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	return [
		await companionRequest.call(this, {
			method: 'GET',
			path: await environmentPath(this, itemIndex, '/drift'),
			itemIndex,
		}),
	];
}
