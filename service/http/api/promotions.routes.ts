import { decisionSchema, rejectionSchema } from '../../domain/approvals/decisions';
import { can } from '../../domain/auth/permissions';
import { executePromotion } from '../../domain/promotions/execute';
import { rollbackPromotion, rollbackSchema } from '../../domain/promotions/rollback';
import { planPromotion } from '../../domain/promotions/plan';
import { planRequestSchema, promotionRequestSchema } from '../../domain/promotions/plan-request';
import {
	approvePromotion,
	cancelPromotion,
	getPromotion,
	listPromotions,
	promotionListSchema,
	rejectPromotion,
	requestPromotion,
} from '../../domain/promotions/promotions';
import { DomainError } from '../../domain/errors';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

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
	apiRoute({
		method: 'get',
		path: '/promotions',
		summary: 'Promotions, newest first, filtered by status, environments or requester',
		permission: 'promotions.read',
		query: promotionListSchema,
		handler: async ({ query }) => listPromotions(deps.db, query),
	}),
	apiRoute({
		method: 'post',
		path: '/promotions',
		summary:
			'Request a promotion: its plan is made now and kept as it is; PENDING_APPROVAL, or APPROVED where the stage needs no approval. A plan with blockers is refused (422, every blocker in error.details.blockers). An Idempotency-Key header makes a retry return the first promotion.',
		permission: 'promotions.request',
		body: promotionRequestSchema,
		status: 201,
		handler: async ({ body, audit, caller, req }) => {
			if (body.overrideHotfixes.length && !can(caller.role, 'promotions.approve'))
				throw new DomainError('forbidden', 'Only an admin may override hand edits in the target (overrideHotfixes)');
			return requestPromotion(deps, audit, body, req.header('idempotency-key')?.trim() || undefined);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/promotions/:id',
		summary: 'A promotion with its plan (every item), its approvals and rejections',
		permission: 'promotions.read',
		params: idParams,
		handler: async ({ params }) => getPromotion(deps.db, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/promotions/:id/approve',
		summary:
			'Approve (admin, never the requester, once each); it is APPROVED once it has the approvals its stage needs. decidedBy names the person a token decides for.',
		permission: 'promotions.approve',
		params: idParams,
		body: decisionSchema,
		handler: async ({ params, body, audit }) => approvePromotion(deps, audit, params.id, body),
	}),
	apiRoute({
		method: 'post',
		path: '/promotions/:id/reject',
		summary: 'Reject (admin, never the requester), saying why',
		permission: 'promotions.approve',
		params: idParams,
		body: rejectionSchema,
		handler: async ({ params, body, audit }) => rejectPromotion(deps, audit, params.id, body),
	}),
	apiRoute({
		method: 'post',
		path: '/promotions/:id/cancel',
		summary: 'Cancel before it runs (the requester, or an admin)',
		permission: 'promotions.request',
		params: idParams,
		body: decisionSchema.pick({ comment: true }),
		handler: async ({ params, body, audit, caller }) =>
			cancelPromotion(deps.db, audit, params.id, can(caller.role, 'promotions.approve'), body.comment),
	}),
	apiRoute({
		method: 'post',
		path: '/promotions/:id/execute',
		summary:
			'Run an approved promotion (admin): 202 with the job. Refused before any write when the stage’s windows are closed, the source or target changed since the plan (409 plan_stale), the plan is blocked now, or another change to the target is running (409). The job snapshots the target’s affected workflows, writes each in dependency order and reads it back; on the first failure it undoes everything (ROLLED_BACK).',
		permission: 'promotions.execute',
		params: idParams,
		status: 202,
		handler: async ({ params, audit }) => (await executePromotion(deps, audit, params.id)).job,
	}),
	apiRoute({
		method: 'post',
		path: '/promotions/:id/rollback',
		summary:
			'Roll back (admin): 202 with the job. A completed promotion: a rollback promotion of its own puts back what its pre-promotion snapshot holds and deletes what it created; a target workflow changed since refuses it (422 target_hotfix) unless listed in overrideHotfixes. A FAILED one: its undo is run again.',
		permission: 'promotions.execute',
		params: idParams,
		body: rollbackSchema,
		status: 202,
		handler: async ({ params, body, audit }) => (await rollbackPromotion(deps, audit, params.id, body)).job,
	}),
];
