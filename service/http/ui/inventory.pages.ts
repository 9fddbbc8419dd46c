import type { Request, Response } from 'express';
import { reportingStatus } from '../../domain/executions/failure-reporting';
import multer from 'multer';
import { z } from 'zod';
import { credentialHealth } from '../../domain/credentials/credential-use';
import { driftStatus } from '../../domain/drift/status';
import { checkWorkflow } from '../../domain/policies/content-rules';
import { ruleSettings } from '../../domain/policies/rule-settings';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import type { Job } from '../../domain/jobs/jobs';
import { DomainError } from '../../domain/errors';
import {
	countInventory,
	getInventoryWorkflow,
	inventoryQuerySchema,
	listInventory,
} from '../../domain/workflows/inventory';
import { startTagging } from '../../domain/workflows/tagging';
import { readUpload, startImport } from '../../domain/workflows/import';
import { checkPolicy, type Gated } from '../../domain/approvals/policy-gate';
import { startInventorySync } from '../../domain/workflows/inventory-sync';
import { auditContext } from '../caller';
import { healthHistory } from '../../domain/health/health-history';
import { outageOf } from '../../domain/health/health-history';
import type { AppDeps } from '../deps';
import { sseMessage, streamJob } from '../job-stream';
import { filterValues, parseForm, userFacingError } from './forms';
import { formPolicy, policyOf, renderGatedJob, runFromForm } from './gated';
import type { UiRoute } from './ui-route';
import { render, renderToString, wantsPartial } from './views';

/** Uploaded files, kept in memory: at most 100, of 50 MB each. */
const uploads = multer({ storage: multer.memoryStorage(), limits: { files: 100, fileSize: 50 * 1024 * 1024 } }).array(
	'files',
);

/** Multer's refusals (too many files, too large) in words. */
const uploadError = (error: unknown) =>
	error instanceof multer.MulterError
		? new DomainError('invalid_request', `The upload was refused: ${error.message}`)
		: error;

/** A form's selection: one checked box is a string, several a list. */
const selection = z.union([
	z
		.string()
		.min(1)
		.transform((id) => [id]),
	z.array(z.string().min(1)).min(1).max(1000),
]);
const activationFormSchema = z.object({
	workflowIds: selection,
	active: z.enum(['true', 'false']).transform((value) => value === 'true'),
});
const taggingFormSchema = z.object({
	workflowIds: selection,
	tags: z.string().transform((text) =>
		text
			.split(',')
			.map((tag) => tag.trim())
			.filter(Boolean),
	),
	tagAction: z.enum(['add', 'remove']),
});

/** The environment page (its inventory, a sync with live progress, workflows switched on or off) and the workflow page. */
export const inventoryPages = (deps: AppDeps): UiRoute[] => {
	/** The page of one synced workflow, with the refusal of a removal when there was one. */
	const workflowPage = async (req: Request, res: Response, error?: { status: number; message: string }) => {
		const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
		const detail = await getInventoryWorkflow(deps.db, environment.id, String(req.params.workflowId));
		render(
			req,
			res,
			'pages/workflow',
			{
				environment,
				detail,
				policy: await policyOf(deps, environment.class),
				credentialHealth: await credentialHealth(deps.db, environment.id),
				findings: checkWorkflow(detail.workflow, environment.class, await ruleSettings(deps.db)),
				error: error?.message ?? null,
			},
			{ status: error?.status ?? 200 },
		);
	};

	/** Archives or deletes, then back to the environment the workflow has left (or to the request for approval). */
	const removal = (run: (req: Request) => Promise<Gated>) => async (req: Request, res: Response) => {
		let gated: Gated;
		try {
			gated = await run(req);
		} catch (error) {
			return workflowPage(req, res, userFacingError(req, error));
		}
		if ('approvalRequest' in gated) return res.redirect(303, `/approvals/${gated.approvalRequest.id}`);
		res.redirect(303, `/environments/${String(req.params.id)}`);
	};

	return [
		{
			method: 'get',
			path: '/environments/:id',
			permission: 'workflows.read',
			handler: async (req, res) => {
				const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
				const form = parseForm(inventoryQuerySchema, req.query);
				const filters = filterValues(req.query);
				const page = form.errors
					? { data: [], nextCursor: null }
					: await listInventory(deps.db, environment.id, form.data);
				// The top line is the full page's only: a filtered table (htmx) goes without it.
				const summary = wantsPartial(req)
					? undefined
					: {
							workflows: await countInventory(deps.db, environment.id),
							drift: await driftStatus(deps.db, environment.id),
							health: await healthHistory(deps.db, environment.id, deps.clock()),
							reporting: await reportingStatus(deps.db, environment.id),
						};
				render(
					req,
					res,
					'pages/environment',
					{
						environment,
						page,
						summary,
						filters,
						policy: await policyOf(deps, environment.class),
						publicUrl: deps.publicUrl,
						outage: await outageOf(deps.db, environment.id),
						errors: form.errors ?? {},
					},
					{ partial: 'partials/inventory-table', status: form.errors ? 422 : 200 },
				);
			},
		},
		{
			method: 'post',
			path: '/environments/:id/sync',
			permission: 'environments.sync',
			handler: async (req, res) => {
				const environmentId = String(req.params.id);
				let job: Job;
				try {
					job = await startInventorySync(deps, auditContext(req), environmentId, 'all');
				} catch (error) {
					// A sync already running: follow that one.
					const running =
						error instanceof DomainError && error.code === 'conflict'
							? (error.details as { jobId?: string })?.jobId
							: undefined;
					if (!running) throw error;
					job = await deps.jobs.get(running);
				}
				render(req, res, 'partials/job-follow', { job, environmentId });
			},
		},
		{
			method: 'post',
			path: '/environments/:id/activation',
			permission: 'workflows.operate',
			handler: async (req, res) => {
				const environmentId = String(req.params.id);
				const form = parseForm(activationFormSchema, req.body);
				if (form.errors) {
					const message = form.errors.workflowIds
						? 'Select at least one workflow first'
						: 'Choose Activate or Deactivate';
					return render(req, res, 'partials/error', { message }, { status: 422 });
				}
				try {
					await renderGatedJob(deps, req, res, { kind: 'activation', environmentId, request: form.data });
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'partials/error', { message }, { status });
				}
			},
		},
		{
			method: 'post',
			path: '/environments/:id/tagging',
			permission: 'workflows.operate',
			handler: async (req, res) => {
				const environmentId = String(req.params.id);
				const form = parseForm(taggingFormSchema, req.body);
				if (form.errors) {
					const message = form.errors.workflowIds ? 'Select at least one workflow first' : 'Type the tags first';
					return render(req, res, 'partials/error', { message }, { status: 422 });
				}
				const { workflowIds, tags, tagAction } = form.data;
				try {
					const job = await startTagging(deps, auditContext(req), environmentId, {
						workflowIds,
						add: tagAction === 'add' ? tags : [],
						remove: tagAction === 'remove' ? tags : [],
					});
					render(req, res, 'partials/job-follow', { job, environmentId });
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'partials/error', { message }, { status });
				}
			},
		},
		{
			method: 'post',
			path: '/environments/:id/import',
			permission: 'workflows.operate',
			handler: async (req, res) => {
				await getEnvironmentRow(deps.db, String(req.params.id));
				try {
					await new Promise<void>((resolve, reject) =>
						uploads(req, res, (error) => (error ? reject(error) : resolve())),
					);
					await checkPolicy(deps.db, auditContext(req), String(req.params.id), 'upload', formPolicy(req).confirmed);
					const files = ((req.files ?? []) as Express.Multer.File[]).map((file) => ({
						name: file.originalname,
						bytes: file.buffer,
					}));
					if (!files.length) throw new DomainError('invalid_request', 'Choose the files to upload first');
					const job = await startImport(deps, auditContext(req), String(req.params.id), readUpload(files));
					render(req, res, 'partials/job-follow', { job, environmentId: String(req.params.id) });
				} catch (error) {
					const { status, message } = userFacingError(req, uploadError(error));
					render(req, res, 'partials/error', { message }, { status });
				}
			},
		},
		{
			method: 'get',
			path: '/jobs/:id/stream',
			permission: 'jobs.read',
			handler: async (req, res) => {
				await streamJob(deps.jobs, String(req.params.id), req, res, (job) => {
					const html = renderToString(req, res, 'partials/job-progress', { job });
					return sseMessage('progress', html) + (job.status === 'running' ? '' : sseMessage('done', job.status));
				});
			},
		},
		{
			method: 'get',
			path: '/environments/:id/workflows/:workflowId',
			permission: 'workflows.read',
			handler: workflowPage,
		},
		{
			method: 'post',
			path: '/environments/:id/workflows/:workflowId/archive',
			permission: 'workflows.operate',
			handler: removal((req) =>
				runFromForm(deps, req, {
					kind: 'archive',
					environmentId: String(req.params.id),
					workflowId: String(req.params.workflowId),
				}),
			),
		},
		{
			method: 'post',
			path: '/environments/:id/workflows/:workflowId/delete',
			permission: 'workflows.operate',
			handler: removal((req) =>
				runFromForm(deps, req, {
					kind: 'delete',
					environmentId: String(req.params.id),
					workflowId: String(req.params.workflowId),
					confirmName: typeof req.body?.confirmName === 'string' ? req.body.confirmName : '',
				}),
			),
		},
	];
};
