import { z } from 'zod';
import { listEnvironments } from '../../domain/environments/environments';
import {
	approvePromotion,
	cancelPromotion,
	getPromotion,
	listPromotions,
	promotionListSchema,
	rejectPromotion,
} from '../../domain/promotions/promotions';
import { can } from '../../domain/auth/permissions';
import { DomainError } from '../../domain/errors';
import type { Job } from '../../domain/jobs/jobs';
import { executePromotion } from '../../domain/promotions/execute';
import { rollbackPromotion, rollbackSchema } from '../../domain/promotions/rollback';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { withDiffViews } from './diff-view';
import { decisionPost, rejectionForm } from './decision-forms';
import { filterValues, parseForm, userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

type Handler = UiRoute['handler'];

// A form also carries its CSRF field: the API's schema, without its strictness.
const rollbackForm = z.object(rollbackSchema.shape);

/** Promotions: the list (the approvals inbox is its "waiting for approval" filter), one promotion, its decisions. */
export const promotionPages = (deps: AppDeps): UiRoute[] => {
	const environmentsById = async () =>
		new Map((await listEnvironments(deps.db)).map((environment) => [environment.id, environment]));
	const show = async (
		req: Parameters<Handler>[0],
		res: Parameters<Handler>[1],
		error?: { status: number; message: string },
	) => {
		const promotion = await getPromotion(deps.db, String(req.params.id));
		render(
			req,
			res,
			'pages/promotion',
			{
				promotion,
				items: withDiffViews(
					promotion.plan.items.map((item) => ({ ...item, workflowId: item.sourceWorkflowId ?? item.targetWorkflowId })),
				),
				environments: await environmentsById(),
				mine: req.caller!.kind === promotion.requestedBy.type && req.caller!.id === promotion.requestedBy.id,
				lastRun: await deps.jobs.latestFor(`promotion:${promotion.id}`),
				error: error?.message ?? null,
			},
			{ status: error?.status },
		);
	};
	const decision = decisionPost(show, (req) => `/promotions/${String(req.params.id)}`);

	/** Execute or Roll Back: the job, followed live where the button was. */
	const run =
		(start: (req: Parameters<Handler>[0]) => Promise<{ job: Job }>): Handler =>
		async (req, res) => {
			try {
				render(req, res, 'partials/job-follow', { job: (await start(req)).job }, { status: 202 });
			} catch (error) {
				const { status, message } = userFacingError(req, error);
				render(req, res, 'partials/error', { message }, { status });
			}
		};

	return [
		{
			method: 'get',
			path: '/promotions',
			permission: 'promotions.read',
			handler: async (req, res) => {
				const query = promotionListSchema.safeParse(filterValues(req.query));
				const page = await listPromotions(deps.db, query.success ? query.data : { limit: 50 });
				render(
					req,
					res,
					'pages/promotions',
					{ page, environments: await environmentsById(), filters: filterValues(req.query), invalid: !query.success },
					{ partial: 'partials/promotion-table', status: query.success ? 200 : 422 },
				);
			},
		},
		{ method: 'get', path: '/promotions/:id', permission: 'promotions.read', handler: (req, res) => show(req, res) },
		{
			method: 'post',
			path: '/promotions/:id/approve',
			permission: 'promotions.approve',
			handler: decision((req, form) => approvePromotion(deps, auditContext(req), String(req.params.id), form)),
		},
		{
			method: 'post',
			path: '/promotions/:id/reject',
			permission: 'promotions.approve',
			handler: decision(
				(req, form) => rejectPromotion(deps, auditContext(req), String(req.params.id), form),
				rejectionForm,
			),
		},
		{
			method: 'post',
			path: '/promotions/:id/cancel',
			permission: 'promotions.request',
			handler: decision((req, form) =>
				cancelPromotion(
					deps.db,
					auditContext(req),
					String(req.params.id),
					can(req.caller!.role, 'promotions.approve'),
					form.comment,
				),
			),
		},
		{
			method: 'post',
			path: '/promotions/:id/execute',
			permission: 'promotions.execute',
			handler: run((req) => executePromotion(deps, auditContext(req), String(req.params.id))),
		},
		{
			method: 'post',
			path: '/promotions/:id/rollback',
			permission: 'promotions.execute',
			handler: run((req) => {
				const form = parseForm(rollbackForm, req.body);
				if (form.errors) throw new DomainError('invalid_request', `Reason ${Object.values(form.errors)[0]}`);
				return rollbackPromotion(deps, auditContext(req), String(req.params.id), form.data);
			}),
		},
	];
};
