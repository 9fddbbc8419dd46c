import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { promotionPath } from './promotion-id';

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	return [await companionRequest.call(this, { method: 'GET', path: promotionPath(this, itemIndex), itemIndex })];
}
