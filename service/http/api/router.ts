import express, { type Router } from 'express';
import { requirePermission } from '../../domain/auth/permissions';
import { DomainError } from '../../domain/errors';
import { auditContext } from '../caller';
import type { ApiRoute } from '../route';
import { validate } from '../validate';

export const API_PREFIX = '/api/v1';

/** Mounts the route table: authentication, permission, validation, then the handler. */
export function apiRouter(routes: ApiRoute[]): Router {
	const router = express.Router();
	for (const route of routes) {
		router[route.method](route.path, async (req, res) => {
			const caller = req.caller;
			if (!caller) {
				throw new DomainError(
					'unauthenticated',
					'Send an API token as "Authorization: Bearer <token>" (admins create them under Users → API tokens), or sign in',
				);
			}
			requirePermission(caller.role, route.permission);
			const result = await route.handler({
				params: validate(route.params, req.params, 'path'),
				query: validate(route.query, req.query, 'query'),
				body: validate(route.body, req.body, 'body'),
				caller,
				audit: auditContext(req),
				req,
				res,
			});
			if (res.headersSent) return;
			if (result === undefined) res.status(204).end();
			else res.status(route.status ?? 200).json(result);
		});
	}
	router.use((req) => {
		throw new DomainError('not_found', `No API route ${req.method} ${API_PREFIX}${req.path}`);
	});
	return router;
}
