import type { Request, Response } from 'express';
import { executionAnalytics } from '../../domain/executions/analytics';
import { CSV_TABLES } from '../../domain/executions/analytics-csv';
import { costModelOf, costModelSchema, setCostModel } from '../../domain/executions/cost-models';
import { listEnvironments } from '../../domain/environments/environments';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { filterValues, formLines } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** The ranges the analytics page offers, in days. */
const RANGES = { '24h': 1, '7d': 7, '30d': 30, '90d': 90, '365d': 365 } as const;
type Range = keyof typeof RANGES;

/** Charts and tables over the execution index, and the environment's cost model. */
export const analyticsPages = (deps: AppDeps): UiRoute[] => {
	const show = async (
		req: Request,
		res: Response,
		error?: { status: number; message: string },
		filters = filterValues(req.query),
	) => {
		const range: Range = filters.range in RANGES ? (filters.range as Range) : '7d';
		const to = new Date();
		const query = {
			...(filters.environment && { environment: filters.environment }),
			...(filters.canonical && { canonical: filters.canonical }),
			...(filters.workflow && { workflow: filters.workflow }),
			from: new Date(to.getTime() - RANGES[range] * 86_400_000).toISOString(),
			to: to.toISOString(),
		};
		const analytics = await executionAnalytics(deps.db, query);
		const environments = await listEnvironments(deps.db);
		const environment = environments.find((one) => one.id === filters.environment);
		render(
			req,
			res,
			'pages/analytics',
			{
				analytics,
				// For the charts' script: never read as markup.
				chartData: JSON.stringify(analytics).replaceAll('<', '\\u003c'),
				filters: { ...filters, range },
				ranges: Object.keys(RANGES),
				environments,
				environment,
				costModel: environment ? await costModelOf(deps.db, environment.id) : null,
				csv: CSV_TABLES.map((table) => [table, new URLSearchParams({ ...query, table }).toString()]),
				error: error?.message ?? null,
			},
			{ status: error?.status },
		);
	};

	return [
		{ method: 'get', path: '/analytics', permission: 'executions.read', handler: (req, res) => show(req, res) },
		{
			method: 'post',
			path: '/environments/:id/cost-model',
			permission: 'environments.manage',
			handler: async (req, res) => {
				const environmentId = String(req.params.id);
				const body = (req.body ?? {}) as Record<string, unknown>;
				const perNodeType = Object.fromEntries(
					formLines(body.perNodeType).map((line) => {
						const colon = line.lastIndexOf(':');
						return [line.slice(0, colon).trim(), Number(line.slice(colon + 1))];
					}),
				);
				const parsed = costModelSchema.safeParse({
					currency: String(body.currency ?? '').trim() || undefined,
					perExecution: Number(body.perExecution || 0),
					perSecond: Number(body.perSecond || 0),
					perNodeType,
				});
				if (!parsed.success) {
					const [issue] = parsed.error.issues;
					const message = `Cost model, ${issue.path.join('.')}: ${issue.message}`;
					return show(req, res, { status: 422, message }, { environment: environmentId });
				}
				await setCostModel(deps.db, auditContext(req), environmentId, parsed.data);
				res.redirect(303, `/analytics?environment=${encodeURIComponent(environmentId)}`);
			},
		},
	];
};
