import { planPromotion, planRequestSchema } from '../../domain/promotions/plan';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';

export const promotionRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'post',
		path: '/promotions/plan',
		summary:
			'A dry run: what promoting the selected source workflows into the target would do, per workflow (status, action, diff, risk, credential and workflow substitutions, warnings, blockers), with the plan’s blockers and planHash. Nothing is stored.',
		permission: 'promotions.request',
		body: planRequestSchema,
		handler: async ({ body }) => planPromotion(deps, body),
	}),
];
