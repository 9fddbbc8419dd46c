import {
	createPipeline,
	deletePipeline,
	getPipeline,
	listPipelines,
	newPipelineSchema,
	pipelinePatchSchema,
	updatePipeline,
} from '../../domain/promotions/pipelines';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const pipelineRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/pipelines',
		summary: 'Promotion pipelines, by name, each with its stages and their gates',
		permission: 'pipelines.read',
		handler: async () => ({ data: await listPipelines(deps.db), nextCursor: null }),
	}),
	apiRoute({
		method: 'post',
		path: '/pipelines',
		summary:
			'Create a pipeline: ordered source → target stages, each with its gates (approvals, risk ceiling, target in sync, windows, deletions, dependencies)',
		permission: 'pipelines.manage',
		body: newPipelineSchema,
		status: 201,
		handler: async ({ body, audit }) => createPipeline(deps.db, audit, body),
	}),
	apiRoute({
		method: 'get',
		path: '/pipelines/:id',
		summary: 'One pipeline',
		permission: 'pipelines.read',
		params: idParams,
		handler: async ({ params }) => getPipeline(deps.db, params.id),
	}),
	apiRoute({
		method: 'patch',
		path: '/pipelines/:id',
		summary: 'Rename a pipeline, change its description, or replace its stages',
		permission: 'pipelines.manage',
		params: idParams,
		body: pipelinePatchSchema,
		handler: async ({ params, body, audit }) => updatePipeline(deps.db, audit, params.id, body),
	}),
	apiRoute({
		method: 'delete',
		path: '/pipelines/:id',
		summary: 'Delete a pipeline',
		permission: 'pipelines.manage',
		params: idParams,
		handler: async ({ params, audit }) => {
			await deletePipeline(deps.db, audit, params.id);
		},
	}),
];
