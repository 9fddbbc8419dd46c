import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { planBody } from './plan-fields';

/** Stores the promotion with its plan; it then waits for approval, or is approved at once. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	return [
		await companionRequest.call(this, {
			method: 'POST',
			path: '/promotions',
			body: { ...(await planBody.call(this, itemIndex)), reason: String(options.reason ?? '') },
			itemIndex,
		}),
	];
}
