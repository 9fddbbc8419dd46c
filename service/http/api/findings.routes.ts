import { environmentFindings } from '../../domain/policies/findings';
import { latestSecurityAudit, runSecurityAudit } from '../../domain/policies/security-audit';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const findingRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/environments/:id/findings',
		summary: 'What the content rules find in an environment’s synced workflows (banned nodes, plain-text secrets…)',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => environmentFindings(deps.db, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/security-audit',
		summary:
			'Run the instance’s own security audit (n8n’s POST /audit: risky nodes, unused credentials, abandoned workflows, instance settings) and keep it as the environment’s latest',
		permission: 'environments.test',
		params: idParams,
		handler: async ({ params, audit }) => runSecurityAudit(deps, audit, params.id),
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/security-audit',
		summary: 'The environment’s latest security audit from its n8n, or null when none was run',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => ({ audit: await latestSecurityAudit(deps.db, params.id) }),
	}),
];
