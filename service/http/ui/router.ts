import express, { type ErrorRequestHandler, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { can } from '../../domain/auth/permissions';
import { countUsers } from '../../domain/auth/users';
import { describeError } from '../errors';
import type { AppDeps } from '../deps';
import { csrfProtection, identifyCaller } from '../session';
import { accountPages } from './account.pages';
import { credentialPages } from './credentials.pages';
import { analyticsPages } from './analytics.pages';
import { executionPages } from './executions.pages';
import { findingPages } from './findings.pages';
import { approvalPages } from './approvals.pages';
import { adminPages } from './admin.pages';
import { auditPages } from './audit.pages';
import { authPages } from './auth.pages';
import { driftPages } from './drift.pages';
import { environmentPages } from './environments.pages';
import { gitMirrorPages } from './git-mirror.pages';
import { incidentPages } from './incidents.pages';
import { pipelinePages } from './pipelines.pages';
import { promotionWizard } from './promotion-wizard';
import { promotionPages } from './promotions.pages';
import { inventoryPages } from './inventory.pages';
import { snapshotPages } from './snapshots.pages';
import type { UiRoute } from './ui-route';
import { webhookPages } from './webhooks.pages';
import { workflowPages } from './workflows.pages';
import { render, wantsPartial } from './views';
import { LoginAttempts } from './login-attempts';

export const uiRoutes = (deps: AppDeps): UiRoute[] => [
	...authPages(deps),
	...environmentPages(deps),
	...gitMirrorPages(deps),
	...inventoryPages(deps),
	...workflowPages(deps),
	...snapshotPages(deps),
	...driftPages(deps),
	...incidentPages(deps),
	...promotionWizard(deps),
	...promotionPages(deps),
	...pipelinePages(deps),
	...webhookPages(deps),
	...adminPages(deps),
	...accountPages(deps),
	...credentialPages(deps),
	...findingPages(deps),
	...executionPages(deps),
	...analyticsPages(deps),
	...approvalPages(deps),
	...auditPages(deps),
];

/** The admin UI: forms and htmx, signed in by session cookie, CSRF-checked on every POST. */
export function uiRouter(deps: AppDeps): Router {
	const router = express.Router();
	router.use(identifyCaller(deps.db));
	router.use(express.urlencoded({ extended: false, limit: '100kb' }));
	router.use(csrfProtection(deps.publicUrl.startsWith('https://')));
	router.post('/login', ...loginLimiters(deps));
	for (const route of uiRoutes(deps)) {
		router[route.method](route.path, async (req, res) => {
			if (route.permission && !req.caller) {
				const target = (await countUsers(deps.db)) ? '/login' : '/setup';
				if (req.get('hx-request')) return void res.set('HX-Redirect', target).status(401).end();
				return res.redirect(303, target);
			}
			if (route.permission && req.caller && !can(req.caller.role, route.permission)) {
				return render(
					req,
					res,
					'pages/error',
					{ status: 403, message: `Your role (${req.caller.role}) cannot open this page.` },
					{ partial: 'partials/error', status: 403 },
				);
			}
			await route.handler(req, res);
		});
	}
	router.use((req, res) =>
		render(
			req,
			res,
			'pages/error',
			{ status: 404, message: 'There is no page here.' },
			{ partial: 'partials/error', status: 404 },
		),
	);
	router.use(htmlErrorHandler(deps));
	return router;
}

/** Failed sign-ins limited per address and per account, counted in the database (any replica sees them). */
function loginLimiters({ db, loginLimits }: AppDeps) {
	const tooMany = 'Too many failed sign-ins: wait a few minutes and try again';
	const common = {
		windowMs: loginLimits.windowMs,
		skipSuccessfulRequests: true,
		standardHeaders: 'draft-8' as const,
		legacyHeaders: false,
		handler: ((req, res) =>
			render(
				req,
				res,
				'pages/login',
				{ values: {}, errors: { form: tooMany } },
				{ status: 429 },
			)) as express.RequestHandler,
	};
	return [
		rateLimit({ ...common, limit: loginLimits.perIp, store: new LoginAttempts(db, 'ip:') }),
		rateLimit({
			...common,
			limit: loginLimits.perAccount,
			store: new LoginAttempts(db, ''),
			keyGenerator: (req) =>
				`account:${String((req.body as { email?: unknown })?.email ?? '')
					.trim()
					.toLowerCase()}`,
		}),
	];
}

function htmlErrorHandler({ logger }: AppDeps): ErrorRequestHandler {
	return (error, req, res, next) => {
		if (res.headersSent) return next(error);
		const { status, body } = describeError(error, String(req.id));
		if (status >= 500) logger.error({ err: error, requestId: req.id }, 'request failed');
		const view = wantsPartial(req) ? 'partials/error' : 'pages/error';
		render(req, res, view, { status, message: body.error.message }, { status });
	};
}
