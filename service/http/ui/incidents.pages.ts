import { z } from 'zod';
import {
	acknowledgeIncident,
	getIncident,
	getIncidentRow,
	incidentListSchema,
	listIncidents,
	resolveSchema,
} from '../../domain/drift/incidents';
import { resolveIncident } from '../../domain/drift/resolve';
import { getEnvironmentRow, listEnvironments, toEnvironment } from '../../domain/environments/environments';
import { requirePermission } from '../../domain/auth/permissions';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { withDiffViews } from './diff-view';
import { conflictMessage, filterValues, parseForm, userFacingError } from './forms';
import { policyOf, renderGatedJob } from './gated';
import type { UiRoute } from './ui-route';
import { render, wantsPartial } from './views';

/** Incidents: the list, and one with its drifted workflows and the acknowledge and resolve actions. */
export const incidentPages = (deps: AppDeps): UiRoute[] => {
	const show = async (
		req: Parameters<UiRoute['handler']>[0],
		res: Parameters<UiRoute['handler']>[1],
		error?: { status: number; message: string },
	) => {
		const incident = await getIncident(deps.db, String(req.params.id));
		const environment = toEnvironment(await getEnvironmentRow(deps.db, incident.environmentId));
		const items = withDiffViews(incident.items);
		const lastRevert = await deps.jobs.latestFor(`incident:${incident.id}`);
		render(
			req,
			res,
			'pages/incident',
			{
				incident,
				environment,
				items,
				lastRevert,
				policy: await policyOf(deps, environment.class),
				error: error?.message ?? null,
			},
			{ status: error?.status },
		);
	};

	return [
		{
			method: 'get',
			path: '/incidents',
			permission: 'drift.read',
			handler: async (req, res) => {
				const query = incidentListSchema.safeParse(filterValues(req.query));
				const page = await listIncidents(deps.db, query.success ? query.data : { limit: 50 });
				const environments = new Map(
					(await listEnvironments(deps.db)).map((environment) => [environment.id, environment]),
				);
				render(
					req,
					res,
					'pages/incidents',
					{ page, environments, filters: filterValues(req.query), invalid: !query.success },
					{ partial: 'partials/incident-table', status: query.success ? 200 : 422 },
				);
			},
		},
		{
			method: 'get',
			path: '/incidents/:id',
			permission: 'drift.read',
			handler: (req, res) => show(req, res),
		},
		{
			method: 'post',
			path: '/incidents/:id/acknowledge',
			permission: 'incidents.acknowledge',
			handler: async (req, res) => {
				const form = parseForm(z.object({ note: z.string().trim().max(2000).default('') }), req.body);
				const conflict = await conflictMessage(
					acknowledgeIncident(deps, auditContext(req), String(req.params.id), form.data?.note ?? ''),
				);
				if (conflict) return show(req, res, { status: 409, message: conflict });
				res.redirect(303, `/incidents/${String(req.params.id)}`);
			},
		},
		{
			method: 'post',
			path: '/incidents/:id/resolve',
			permission: 'incidents.resolve',
			handler: async (req, res) => {
				// The Confirm box is the class policy's (formPolicy), not the API's boolean.
				const form = parseForm(resolveSchema, { ...req.body, confirm: undefined });
				if (form.errors)
					return show(req, res, { status: 422, message: `Note ${form.errors.note ?? Object.values(form.errors)[0]}` });
				const id = String(req.params.id);
				try {
					if (form.data.resolution === 'revert') {
						requirePermission(req.caller!.role, 'snapshots.restore');
						const { environment_id: environmentId } = await getIncidentRow(deps.db, id);
						const note = form.data.note;
						return await renderGatedJob(deps, req, res, {
							kind: 'incident_revert',
							environmentId,
							incidentId: id,
							note,
						});
					}
					await resolveIncident(deps, auditContext(req), req.caller!.role, id, form.data);
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					if (wantsPartial(req)) return render(req, res, 'partials/error', { message }, { status });
					return show(req, res, { status, message });
				}
				res.redirect(303, `/incidents/${String(req.params.id)}`);
			},
		},
	];
};
