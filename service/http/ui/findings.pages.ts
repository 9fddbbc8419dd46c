import type { Request, Response } from 'express';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import { environmentFindings } from '../../domain/policies/findings';
import { latestSecurityAudit, runSecurityAudit } from '../../domain/policies/security-audit';
import { auditContext } from '../caller';
import { outageOf } from '../../domain/health/health-history';
import type { AppDeps } from '../deps';
import { userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** What the content rules find in an environment's synced workflows, beside its n8n's own security audit. */
export const findingPages = (deps: AppDeps): UiRoute[] => {
	const show = async (req: Request, res: Response, error?: { status: number; message: string }) => {
		const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
		render(
			req,
			res,
			'pages/environment-findings',
			{
				environment,
				outage: await outageOf(deps.db, environment.id),
				...(await environmentFindings(deps.db, environment.id)),
				securityAudit: await latestSecurityAudit(deps.db, environment.id),
				error: error?.message ?? null,
			},
			{ status: error?.status },
		);
	};
	return [
		{
			method: 'get',
			path: '/environments/:id/findings',
			permission: 'workflows.read',
			handler: (req, res) => show(req, res),
		},
		{
			method: 'post',
			path: '/environments/:id/security-audit',
			permission: 'environments.test',
			handler: async (req, res) => {
				try {
					await runSecurityAudit(deps, auditContext(req), String(req.params.id));
				} catch (error) {
					return show(req, res, userFacingError(req, error));
				}
				res.redirect(303, `/environments/${String(req.params.id)}/findings`);
			},
		},
	];
};
