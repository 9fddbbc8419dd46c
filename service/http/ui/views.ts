import path from 'node:path';
import { Eta } from 'eta';
import type { Request, Response } from 'express';
import { can, type Permission } from '../../domain/auth/permissions';
import { packageRoot } from '../../package-root';
import { CSRF_FIELD } from '../session';

const eta = new Eta({
	views: path.join(packageRoot(), 'views'),
	autoEscape: true,
	cache: process.env.NODE_ENV !== 'development',
});

/**
 * htmx asks for a partial, except when it restores a page from history (back/forward after a cache
 * miss), where it needs the whole page.
 */
export const wantsPartial = (req: Request) =>
	req.get('hx-request') === 'true' &&
	req.get('hx-boosted') !== 'true' &&
	req.get('hx-history-restore-request') !== 'true';

/**
 * The htmx contact app's rule: one URL, the full page normally, its partial for htmx.
 */
export function render(
	req: Request,
	res: Response,
	page: string,
	data: Record<string, unknown>,
	options: { partial?: string; status?: number } = {},
): void {
	res.vary('HX-Request');
	const template = options.partial && wantsPartial(req) ? options.partial : page;
	res
		.status(options.status ?? 200)
		.type('html')
		.send(renderToString(req, res, template, data));
}

/** A template rendered with the page data plus who is signed in, what they may do and the CSRF token. */
export function renderToString(req: Request, res: Response, template: string, data: Record<string, unknown>): string {
	const caller = req.caller;
	return eta.render(`./${template}`, {
		...data,
		caller,
		can: (permission: Permission) => Boolean(caller && can(caller.role, permission)),
		// An action that needs n8n, on the page of an environment that is down: disabled, saying why.
		needsN8n: data.outage ? 'disabled title="n8n does not answer: this needs it"' : '',
		csrfToken: res.locals.csrfToken as string,
		csrfField: CSRF_FIELD,
		path: req.path,
	});
}
