import crypto from 'node:crypto';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { sql } from 'kysely';
import { pinoHttp } from 'pino-http';
import { n8nHookRouter } from './http/api/n8n-hooks';
import { IMPORT_LIMIT, IMPORT_PATH } from './http/api/operations.routes';
import { apiRouter, API_PREFIX } from './http/api/router';
import { apiRoutes } from './http/api/routes';
import { openApiDocument } from './http/api/openapi';
import type { AppDeps } from './http/deps';
import { jsonErrorHandler } from './http/errors';
import { limitNesting, MAX_JSON_DEPTH } from './http/nesting';
import { csrfProtection, identifyCaller } from './http/session';
import { uiRouter } from './http/ui/router';
import { PACKAGE_VERSION, packageRoot } from './package-root';

export type { AppDeps } from './http/deps';

export function createApp(deps: AppDeps): Express {
	const secure = deps.publicUrl.startsWith('https://');
	const app = express();
	app.disable('x-powered-by');
	if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
	app.use(
		pinoHttp({
			logger: deps.logger,
			genReqId: () => crypto.randomUUID(),
			// Load balancers and monitors ask for health every few seconds: their lines only at debug.
			customLogLevel: (req, res, error) =>
				error || res.statusCode >= 500 ? 'error' : req.url?.startsWith('/healthz') ? 'debug' : 'info',
			// Only method, path and status are logged: headers (tokens, cookies) and bodies never are.
			serializers: {
				req: (req: { id: string; method: string; url: string }) => ({
					id: req.id,
					method: req.method,
					url: req.url.split('?')[0],
				}),
				res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
			},
		}),
	);
	app.use(
		helmet({
			contentSecurityPolicy: {
				useDefaults: false,
				directives: {
					defaultSrc: ["'self'"],
					scriptSrc: ["'self'"],
					styleSrc: ["'self'"],
					imgSrc: ["'self'", 'data:'],
					formAction: ["'self'"],
					frameAncestors: ["'none'"],
					baseUri: ["'none'"],
					objectSrc: ["'none'"],
				},
			},
			strictTransportSecurity: secure,
		}),
	);

	app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
	app.get('/healthz/readiness', async (_req, res) => {
		try {
			await sql`select 1`.execute(deps.db);
			res.json({ status: 'ready' });
		} catch {
			res.status(503).json({ status: 'unavailable', reason: 'the database does not answer' });
		}
	});
	const root = packageRoot();
	app.get('/static/htmx.min.js', (_req, res) => res.sendFile(require.resolve('htmx.org/dist/htmx.min.js')));
	app.get('/static/htmx-sse.min.js', (_req, res) => res.sendFile(require.resolve('htmx-ext-sse/dist/sse.min.js')));
	// Chart.js's package exports no path to its browser build: it sits beside its main file.
	const chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
	app.get('/static/chart.umd.min.js', (_req, res) => res.sendFile(chartJs));
	app.use('/static', express.static(path.join(root, 'views', 'static'), { index: false, maxAge: '1h' }));

	const csrf = csrfProtection(secure);
	// API calls made with a session cookie need the CSRF header; token calls do not.
	const sessionCsrf: RequestHandler = (req, res, next) => (req.caller?.kind === 'user' ? csrf(req, res, next) : next());
	const routes = apiRoutes(deps);
	const openApi = openApiDocument(routes, PACKAGE_VERSION);
	app.get(`${API_PREFIX}/openapi.json`, (_req, res) => void res.json(openApi));

	app.use(cookieParser());
	app.use(`${API_PREFIX}${IMPORT_PATH}`, express.raw({ type: () => true, limit: IMPORT_LIMIT }));
	app.use(
		API_PREFIX,
		n8nHookRouter(deps),
		express.json({ limit: '1mb' }),
		limitNesting(MAX_JSON_DEPTH),
		identifyCaller(deps.db),
		sessionCsrf,
		apiRouter(routes),
		jsonErrorHandler(deps.logger),
	);
	app.use(uiRouter(deps));
	return app;
}
