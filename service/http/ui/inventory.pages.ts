import { driftStatus } from '../../domain/drift/status';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import type { Job } from '../../domain/jobs/jobs';
import { DomainError } from '../../domain/errors';
import {
	countInventory,
	getInventoryWorkflow,
	inventoryQuerySchema,
	listInventory,
} from '../../domain/workflows/inventory';
import { startInventorySync } from '../../domain/workflows/inventory-sync';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { sseMessage, streamJob } from '../job-stream';
import { filterValues, parseForm } from './forms';
import type { UiRoute } from './ui-route';
import { render, renderToString, wantsPartial } from './views';

/** The environment page (its inventory, a sync with live progress) and the workflow page. */
export const inventoryPages = (deps: AppDeps): UiRoute[] => [
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
					};
			render(
				req,
				res,
				'pages/environment',
				{ environment, page, summary, filters, errors: form.errors ?? {} },
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
		handler: async (req, res) => {
			const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
			const detail = await getInventoryWorkflow(deps.db, environment.id, String(req.params.workflowId));
			render(req, res, 'pages/workflow', { environment, detail });
		},
	},
];
