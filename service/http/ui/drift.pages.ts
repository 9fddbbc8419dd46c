import type { Request, Response } from 'express';
import { z } from 'zod';
import { approveCurrentState, approveRequestSchema } from '../../domain/drift/baselines';
import { checkDrift, getDriftCheck, listDriftChecks } from '../../domain/drift/drift-check';
import { getIncident } from '../../domain/drift/incidents';
import { getSchedule, type Schedule, scheduleSchema, setSchedule } from '../../domain/drift/schedules';
import { driftStatus } from '../../domain/drift/status';
import { atAGlance, type Glance } from '../../domain/environments/at-a-glance';
import { getEnvironmentRow, listEnvironments, toEnvironment } from '../../domain/environments/environments';
import { auditContext } from '../caller';
import { outageOf } from '../../domain/health/health-history';
import type { AppDeps } from '../deps';
import { rescheduled } from '../rescheduled';
import { withDiffViews } from './diff-view';
import { conflictMessage, echo, type FormErrors, parseForm } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** The schedule form: an unticked checkbox sends nothing. */
const scheduleFormSchema = scheduleSchema.extend({ enabled: z.literal('true').optional().transform(Boolean) });

/** The dashboard (every environment's drift at a glance) and an environment's drift page. */
export const driftPages = (deps: AppDeps): UiRoute[] => {
	const nextRun = (schedule: Schedule) => deps.scheduler?.nextRun(schedule.environmentId)?.toISOString() ?? null;

	/**
	 * One dashboard row: the environment, its drift status, schedule and open incident, and at a glance
	 * its health, failures of the last 24 hours and pending approvals.
	 */
	const overview = async (environmentId: string, glances?: Map<string, Glance>) => {
		const environment = toEnvironment(await getEnvironmentRow(deps.db, environmentId));
		const [status, schedule] = await Promise.all([
			driftStatus(deps.db, environmentId),
			getSchedule(deps.db, environmentId),
		]);
		const incident = status.openIncidentId ? await getIncident(deps.db, status.openIncidentId) : null;
		const glance = (glances ?? (await atAGlance(deps.db))).get(environmentId);
		return {
			environment,
			status,
			schedule: { ...schedule, nextRunAt: nextRun(schedule) },
			incident,
			glance: glance ?? { health: null, failures24h: 0, pendingApprovals: 0 },
		};
	};

	const showDriftPage = async (
		req: Request,
		res: Response,
		options: { values?: Record<string, string>; errors?: FormErrors; status?: number } = {},
	) => {
		const row = await overview(String(req.params.id));
		const checks = await listDriftChecks(deps.db, row.environment.id, { limit: 10 });
		const latest = checks.data[0];
		const items = withDiffViews(latest?.items ?? []);
		const values = options.values ?? { cron: row.schedule.cron, enabled: row.schedule.enabled ? 'true' : '' };
		render(
			req,
			res,
			'pages/environment-drift',
			{
				...row,
				checks: checks.data,
				items,
				values,
				errors: options.errors ?? {},
				outage: await outageOf(deps.db, row.environment.id),
			},
			{ status: options.status },
		);
	};

	return [
		{
			method: 'get',
			path: '/dashboard',
			permission: 'drift.read',
			handler: async (req, res) => {
				const environments = await listEnvironments(deps.db);
				const glances = await atAGlance(deps.db);
				const rows = await Promise.all(environments.map((environment) => overview(environment.id, glances)));
				render(req, res, 'pages/dashboard', { rows });
			},
		},
		{
			method: 'post',
			path: '/environments/:id/check-drift',
			permission: 'drift.check',
			handler: async (req, res) => {
				// A check already running, or no baseline yet: the row (or the drift page) says so.
				const id = String(req.params.id);
				const error = await conflictMessage(checkDrift(deps, auditContext(req), id, 'manual'));
				if ((req.body as { then?: unknown })?.then === 'drift-page')
					return showDriftPage(req, res, error ? { errors: { form: error }, status: 409 } : {});
				render(req, res, 'partials/drift-row', { ...(await overview(id)), error: error ?? null });
			},
		},
		{
			method: 'get',
			path: '/environments/:id/drift',
			permission: 'drift.read',
			handler: (req, res) => showDriftPage(req, res),
		},
		{
			method: 'get',
			path: '/environments/:id/drift-checks/:checkId',
			permission: 'drift.read',
			handler: async (req, res) => {
				const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
				const check = await getDriftCheck(deps.db, environment.id, String(req.params.checkId));
				const items = withDiffViews(check.items);
				render(req, res, 'pages/drift-check', { environment, check, items });
			},
		},
		{
			method: 'post',
			path: '/environments/:id/baseline',
			permission: 'baselines.approve',
			handler: async (req, res) => {
				const form = parseForm(approveRequestSchema.pick({ note: true }), req.body);
				await approveCurrentState(deps, auditContext(req), String(req.params.id), { note: form.data?.note ?? '' });
				res.redirect(303, `/environments/${String(req.params.id)}/drift`);
			},
		},
		{
			method: 'post',
			path: '/environments/:id/schedule',
			permission: 'environments.manage',
			handler: async (req, res) => {
				const form = parseForm(scheduleFormSchema, req.body);
				if (form.errors) return showDriftPage(req, res, { values: echo(req.body), errors: form.errors, status: 422 });
				await rescheduled(deps, await setSchedule(deps.db, auditContext(req), String(req.params.id), form.data));
				res.redirect(303, `/environments/${String(req.params.id)}/drift`);
			},
		},
	];
};
