import { z } from 'zod';
import { analyticsCsv, CSV_TABLES } from '../../domain/executions/analytics-csv';
import { analyticsQuerySchema, executionAnalytics } from '../../domain/executions/analytics';
import { costModelOf, costModelSchema, setCostModel } from '../../domain/executions/cost-models';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

/** Analytics over the execution index, its CSV downloads, and each environment's cost model. */
export const analyticsRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/analytics',
		summary:
			'Over a range (default the last 7 days): counts by status, success rate, duration percentiles, the trend, cost and time saved, top failing and slowest workflows, the most frequent errors',
		permission: 'executions.read',
		query: analyticsQuerySchema,
		handler: async ({ query }) => executionAnalytics(deps.db, query),
	}),
	apiRoute({
		method: 'get',
		path: '/analytics/csv',
		summary: 'One table of the analytics as CSV: workflows, trend, cost (per day) or errors',
		permission: 'executions.read',
		query: analyticsQuerySchema.extend({ table: z.enum(CSV_TABLES).default('workflows') }),
		handler: async ({ query: { table, ...query }, res }) => {
			const body = analyticsCsv(await executionAnalytics(deps.db, query), table);
			res
				.type('text/csv')
				.attachment(`workflowops-${table}-${new Date().toISOString().slice(0, 10)}.csv`)
				.send(body);
			return undefined;
		},
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/cost-model',
		summary: 'What the environment’s executions cost: per execution, per second, per node type (none set: nothing)',
		permission: 'executions.read',
		params: idParams,
		handler: async ({ params }) => costModelOf(deps.db, params.id),
	}),
	apiRoute({
		method: 'put',
		path: '/environments/:id/cost-model',
		summary: 'Set the environment’s cost model (admin); audited',
		permission: 'environments.manage',
		params: idParams,
		body: costModelSchema,
		handler: async ({ params, body, audit }) => setCostModel(deps.db, audit, params.id, body),
	}),
];
