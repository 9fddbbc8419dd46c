import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { planBody } from './plan-fields';

/** One item per workflow, for an IF to branch on status or risk; each carries the plan's hash and blockers. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const plan = await companionRequest.call(this, {
		method: 'POST',
		path: '/promotions/plan',
		body: await planBody.call(this, itemIndex),
		itemIndex,
	});
	const { planHash, blockers } = plan;
	return (plan.items as IDataObject[]).map((item) => ({ ...item, planHash, planBlockers: blockers }));
}
