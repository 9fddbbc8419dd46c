import crypto from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/database';
import type { User } from '../db/schema';
import { useToken } from '../domain/auth/api-tokens';
import { SESSION_TTL_MS, sessionUser } from '../domain/auth/sessions';
import { DomainError } from '../domain/errors';

export const SESSION_COOKIE = 'wfo_session';
export const CSRF_COOKIE = 'wfo_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function cookieOptions(secure: boolean, maxAge?: number): CookieOptions {
	return { httpOnly: true, sameSite: 'lax', secure, path: '/', ...(maxAge && { maxAge }) };
}

export function setSessionCookie(res: Response, secret: string, secure: boolean): void {
	res.cookie(SESSION_COOKIE, secret, cookieOptions(secure, SESSION_TTL_MS));
}

export const userCaller = (user: User) => ({ kind: 'user' as const, id: user.id, name: user.email, role: user.role });

/**
 * Identifies the caller from `Authorization: Bearer <token>` or the session cookie. A bearer token that
 * is unknown or revoked is refused at once; no credentials at all leaves `req.caller` unset.
 */
export function identifyCaller(db: Db): RequestHandler {
	return async (req, _res, next) => {
		const authorization = req.get('authorization');
		if (authorization) {
			const [scheme, secret] = authorization.split(' ');
			const token = scheme?.toLowerCase() === 'bearer' && secret ? await useToken(db, secret) : undefined;
			if (!token) throw new DomainError('unauthenticated', 'The API token is unknown or revoked');
			req.caller = { kind: 'token', id: token.id, name: token.name, role: token.role };
			return next();
		}
		const sessionSecret = req.cookies?.[SESSION_COOKIE] as string | undefined;
		const user = sessionSecret ? await sessionUser(db, sessionSecret) : undefined;
		if (user) req.caller = userCaller(user);
		next();
	};
}

/**
 * CSRF protection for cookie-authenticated requests (double-submit): every state-changing request must
 * echo the CSRF cookie in the X-CSRF-Token header (htmx sends it on every request) or the _csrf field.
 * Bearer-token calls carry no ambient credentials and need none.
 */
export function csrfProtection(secure: boolean): RequestHandler {
	return (req, res, next) => {
		let token = req.cookies?.[CSRF_COOKIE] as string | undefined;
		if (!token) {
			token = crypto.randomBytes(24).toString('base64url');
			res.cookie(CSRF_COOKIE, token, cookieOptions(secure));
			req.cookies = { ...req.cookies, [CSRF_COOKIE]: token };
		}
		res.locals.csrfToken = token;
		if (SAFE_METHODS.has(req.method) || req.caller?.kind === 'token') return next();
		if (!sameSecret(token, submittedCsrf(req))) {
			throw new DomainError(
				'forbidden',
				'The form has expired or did not come from this site: reload the page and try again',
			);
		}
		next();
	};
}

function submittedCsrf(req: Request): string | undefined {
	const fromBody = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
	return req.get(CSRF_HEADER) ?? (typeof fromBody === 'string' ? fromBody : undefined);
}

function sameSecret(expected: string, actual: string | undefined): boolean {
	if (!actual) return false;
	const a = Buffer.from(expected);
	const b = Buffer.from(actual);
	return a.length === b.length && crypto.timingSafeEqual(a, b);
}
