import { z } from 'zod';
import { underPolicy } from '../../domain/approvals/policy-gate';
import { requirePermission } from '../../domain/auth/permissions';
import { approveCurrentState, approveRequestSchema, getBaseline } from '../../domain/drift/baselines';
import { checkDrift, driftCheckListSchema, getDriftCheck, listDriftChecks } from '../../domain/drift/drift-check';
import {
	acknowledgeIncident,
	acknowledgeSchema,
	getIncident,
	getIncidentRow,
	incidentListSchema,
	listIncidents,
	resolveSchema,
} from '../../domain/drift/incidents';
import { resolveIncident } from '../../domain/drift/resolve';
import { getSchedule, type Schedule, scheduleSchema, setSchedule } from '../../domain/drift/schedules';
import { driftStatus } from '../../domain/drift/status';
import type { AppDeps } from '../deps';
import { rescheduled } from '../rescheduled';
import { apiRoute, idParams } from '../route';

export const driftRoutes = (deps: AppDeps) => {
	const withNextRun = (schedule: Schedule) => ({
		...schedule,
		nextRunAt: deps.scheduler?.nextRun(schedule.environmentId)?.toISOString() ?? null,
	});
	return [
		apiRoute({
			method: 'get',
			path: '/environments/:id/baseline',
			summary: 'The environment’s baseline: the approved content of each workflow',
			permission: 'drift.read',
			params: idParams,
			handler: async ({ params }) => getBaseline(deps.db, params.id),
		}),
		apiRoute({
			method: 'post',
			path: '/environments/:id/baseline',
			summary:
				'Approve the current state: what runs now (the published version on n8n 2.x) becomes the baseline, for all workflows or workflowIds (admin; audited)',
			permission: 'baselines.approve',
			params: idParams,
			body: approveRequestSchema,
			handler: async ({ params, body, audit }) => approveCurrentState(deps, audit, params.id, body),
		}),
		apiRoute({
			method: 'get',
			path: '/environments/:id/drift',
			summary:
				'The environment’s drift status (NEW, IN_SYNC, DRIFT_DETECTED, ERROR, UNKNOWN), last check and open incident',
			permission: 'drift.read',
			params: idParams,
			handler: async ({ params }) => driftStatus(deps.db, params.id),
		}),
		apiRoute({
			method: 'get',
			path: '/environments/:id/drift-checks',
			summary: 'Past drift checks of the environment, newest first',
			permission: 'drift.read',
			params: idParams,
			query: driftCheckListSchema,
			handler: async ({ params, query }) => listDriftChecks(deps.db, params.id, query),
		}),
		apiRoute({
			method: 'post',
			path: '/environments/:id/drift-checks',
			summary:
				'Check drift now: live vs baseline per workflow (IN_SYNC, MODIFIED with diff and risk, ADDED, MISSING; DRAFT_CHANGED on 2.x); opens, updates or resolves the incident',
			permission: 'drift.check',
			params: idParams,
			status: 201,
			handler: async ({ params, audit }) => checkDrift(deps, audit, params.id, 'manual'),
		}),
		apiRoute({
			method: 'get',
			path: '/environments/:id/drift-checks/:checkId',
			summary: 'One drift check with its items',
			permission: 'drift.read',
			params: z.object({ id: z.string().min(1), checkId: z.string().min(1) }),
			handler: async ({ params }) => getDriftCheck(deps.db, params.id, params.checkId),
		}),
		apiRoute({
			method: 'get',
			path: '/environments/:id/schedule',
			summary: 'When drift is checked: the cron expression, whether it runs, the next and last run and its error',
			permission: 'drift.read',
			params: idParams,
			handler: async ({ params }) => withNextRun(await getSchedule(deps.db, params.id)),
		}),
		apiRoute({
			method: 'put',
			path: '/environments/:id/schedule',
			summary:
				'Set when drift is checked (cron with 5 fields, or 6 with seconds; enabled); applied at once (admin; audited)',
			permission: 'environments.manage',
			params: idParams,
			body: scheduleSchema,
			handler: async ({ params, body, audit }) =>
				withNextRun(await rescheduled(deps, await setSchedule(deps.db, audit, params.id, body))),
		}),
		apiRoute({
			method: 'get',
			path: '/incidents',
			summary: 'Drift incidents, newest first (filters: environmentId, status, severity)',
			permission: 'drift.read',
			query: incidentListSchema,
			handler: async ({ query }) => listIncidents(deps.db, query),
		}),
		apiRoute({
			method: 'get',
			path: '/incidents/:id',
			summary: 'One incident with its drifted workflows and their diffs',
			permission: 'drift.read',
			params: idParams,
			handler: async ({ params }) => getIncident(deps.db, params.id),
		}),
		apiRoute({
			method: 'post',
			path: '/incidents/:id/acknowledge',
			summary: 'Acknowledge an open incident, with a note',
			permission: 'incidents.acknowledge',
			params: idParams,
			body: acknowledgeSchema,
			handler: async ({ params, body, audit }) => acknowledgeIncident(deps, audit, params.id, body.note),
		}),
		apiRoute({
			method: 'post',
			path: '/incidents/:id/resolve',
			summary:
				'Resolve: keep (live becomes the baseline; admin), revert (the baseline written back as a restore job; admin; answers with the job, or 202 with the approvalRequest where the environment’s class policy asks for one) or note',
			permission: 'incidents.resolve',
			params: idParams,
			body: resolveSchema,
			handler: async ({ params, body, audit, caller, res }) => {
				if (body.resolution !== 'revert') return resolveIncident(deps, audit, caller.role, params.id, body);
				requirePermission(caller.role, 'snapshots.restore');
				const { environment_id: environmentId } = await getIncidentRow(deps.db, params.id);
				const gated = await underPolicy(
					deps,
					audit,
					{ kind: 'incident_revert', environmentId, incidentId: params.id, note: body.note },
					{ confirmed: body.confirm, reason: body.note },
				);
				const incident = await getIncident(deps.db, params.id);
				if ('approvalRequest' in gated) res.status(202).json({ incident, approvalRequest: gated.approvalRequest });
				else res.json({ incident, ...gated.ran });
				return undefined;
			},
		}),
	];
};
