import type { Request, Response } from 'express';
import { z } from 'zod';
import { executionDetail, retryExecution, stopExecution } from '../../domain/executions/execution-actions';
import { indexingStates, OPEN_STATUSES, startExecutionIndexing } from '../../domain/executions/execution-index';
import { executionListSchema, EXECUTION_STATUSES, listExecutions } from '../../domain/executions/executions';
import {
	installFailureReporting,
	reportingRequestSchema,
	reportingStatus,
} from '../../domain/executions/failure-reporting';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { conflictMessage, echo, filterValues, parseForm, userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

const reportingFormSchema = z.object({
	companionUrl: reportingRequestSchema.shape.companionUrl,
	setAsErrorWorkflow: z
		.literal('true')
		.optional()
		.transform((checked) => checked === 'true'),
});

/** "Since" choices of the executions page, in hours. */
const SINCE = { '1h': 1, '24h': 24, '7d': 24 * 7, '30d': 24 * 30 } as const;

/** The executions of every environment, live; one execution's run; retry, stop and indexing now. */
export const executionPages = (deps: AppDeps): UiRoute[] => {
	const show = async (req: Request, res: Response, error?: { status: number; message: string }) => {
		const environmentId = String(req.params.environmentId);
		const execution = await executionDetail(deps, environmentId, String(req.params.id));
		render(
			req,
			res,
			'pages/execution',
			{ execution, open: OPEN_STATUSES.includes(execution.status), error: error?.message ?? null },
			{ status: error?.status },
		);
	};
	const path = (req: Request) => `/executions/${String(req.params.environmentId)}/${String(req.params.id)}`;

	return [
		{
			method: 'get',
			path: '/executions',
			permission: 'executions.read',
			handler: async (req, res) => {
				const filters = filterValues(req.query);
				const { since, ...rest } = filters;
				const hours = SINCE[since as keyof typeof SINCE];
				const query = executionListSchema.safeParse({
					...rest,
					...(req.query.cursor && { cursor: req.query.cursor }),
					...(hours && { from: new Date(Date.now() - hours * 3_600_000).toISOString() }),
				});
				const page = query.success ? await listExecutions(deps.db, query.data) : { data: [], nextCursor: null };
				render(
					req,
					res,
					'pages/executions',
					{
						page,
						filters,
						live: !req.query.cursor,
						invalid: query.success ? null : query.error.issues.map((issue) => issue.path.join('.')).join(', '),
						statuses: EXECUTION_STATUSES,
						since: Object.keys(SINCE),
						indexing: await indexingStates(deps.db),
					},
					{ partial: 'partials/execution-table', status: query.success ? 200 : 422 },
				);
			},
		},
		{
			method: 'get',
			path: '/executions/:environmentId/:id',
			permission: 'executions.read',
			handler: (req, res) => show(req, res),
		},
		{
			method: 'post',
			path: '/executions/:environmentId/:id/retry',
			permission: 'executions.operate',
			handler: async (req, res) => {
				try {
					const { retryId } = await retryExecution(
						deps,
						auditContext(req),
						String(req.params.environmentId),
						String(req.params.id),
					);
					res.redirect(303, retryId ? `/executions/${String(req.params.environmentId)}/${retryId}` : path(req));
				} catch (error) {
					await show(req, res, userFacingError(req, error));
				}
			},
		},
		{
			method: 'post',
			path: '/executions/:environmentId/:id/stop',
			permission: 'executions.operate',
			handler: async (req, res) => {
				try {
					await stopExecution(deps, auditContext(req), String(req.params.environmentId), String(req.params.id));
					res.redirect(303, path(req));
				} catch (error) {
					await show(req, res, userFacingError(req, error));
				}
			},
		},
		{
			method: 'post',
			path: '/environments/:id/failure-reporting',
			permission: 'executions.operate',
			handler: async (req, res) => {
				const environmentId = String(req.params.id);
				const form = parseForm(reportingFormSchema, req.body);
				const view = { environmentId, companionUrl: echo(req.body).companionUrl ?? deps.publicUrl, job: null };
				let error: { status: number; message: string } | undefined;
				if (form.errors) error = { status: 422, message: `The companion address ${form.errors.companionUrl}` };
				else
					try {
						const { reporting, job } = await installFailureReporting(deps, auditContext(req), environmentId, form.data);
						return render(req, res, 'partials/failure-reporting', {
							...view,
							reporting,
							job: job ?? null,
							error: null,
						});
					} catch (caught) {
						error = userFacingError(req, caught);
					}
				render(
					req,
					res,
					'partials/failure-reporting',
					{ ...view, reporting: await reportingStatus(deps.db, environmentId), error: error.message },
					{ status: error.status },
				);
			},
		},
		{
			method: 'post',
			path: '/environments/:id/executions/index',
			permission: 'executions.index',
			handler: async (req, res) => {
				const environmentId = String(req.params.id);
				// Already running: the page refreshes with what that one finds.
				await conflictMessage(startExecutionIndexing(deps, auditContext(req), environmentId));
				res.redirect(303, `/executions?environment=${encodeURIComponent(environmentId)}`);
			},
		},
	];
};
