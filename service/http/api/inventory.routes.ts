import { z } from 'zod';
import { getEnvironmentRow } from '../../domain/environments/environments';
import { getInventoryWorkflow, inventoryQuerySchema, listInventory } from '../../domain/workflows/inventory';
import { startInventorySync, syncRequestSchema } from '../../domain/workflows/inventory-sync';
import type { AppDeps } from '../deps';
import { sseMessage, streamJob } from '../job-stream';
import { apiRoute, idParams } from '../route';

const workflowParams = z.object({ id: z.string().min(1), workflowId: z.string().min(1) });

export const inventoryRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'post',
		path: '/environments/:id/sync',
		summary: 'Start an inventory sync (workflows, tags, credential metadata); answers with the job to follow',
		permission: 'environments.sync',
		params: idParams,
		body: syncRequestSchema,
		status: 202,
		handler: async ({ params, body, audit }) => startInventorySync(deps, audit, params.id, body.scope),
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/workflows',
		summary: 'The synced inventory: search by name (q), node type, tag, active',
		permission: 'workflows.read',
		params: idParams,
		query: inventoryQuerySchema,
		handler: async ({ params, query }) => {
			await getEnvironmentRow(deps.db, params.id);
			return listInventory(deps.db, params.id, query);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/workflows/:workflowId',
		summary: 'One synced workflow, as n8n returned it',
		permission: 'workflows.read',
		params: workflowParams,
		handler: async ({ params }) => getInventoryWorkflow(deps.db, params.id, params.workflowId),
	}),
	apiRoute({
		method: 'get',
		path: '/jobs/:id',
		summary: 'A background job: status, progress, result or error (?wait=<seconds> holds the answer until it ends)',
		permission: 'jobs.read',
		params: idParams,
		query: z.object({
			wait: z.coerce.number().int().min(0).max(60).default(0).describe('seconds to wait for a running job to end'),
		}),
		handler: async ({ params, query }) => deps.jobs.waitFor(params.id, query.wait * 1000),
	}),
	apiRoute({
		method: 'get',
		path: '/jobs/:id/events',
		summary: 'The job as server-sent events ("job"), from its current state until it ends',
		permission: 'jobs.read',
		params: idParams,
		handler: async ({ params, req, res }) => {
			await streamJob(deps.jobs, params.id, req, res, (job) => sseMessage('job', JSON.stringify(job)));
			return undefined;
		},
	}),
];
