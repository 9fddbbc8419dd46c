import { z } from 'zod';
import { endSession, listSessions } from '../../domain/auth/sessions';
import { changeOwnPassword, passwordChangeSchema } from '../../domain/auth/users';
import { notFound } from '../../domain/errors';
import type { Caller } from '../caller';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';
import { SESSION_COOKIE } from '../session';

/** The signed-in user's id; an API token has no sessions (nor a password). */
const userIdOf = (caller: Caller) => (caller.kind === 'user' ? caller.id : undefined);

export const meRoutes = ({ db }: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/me',
		summary: 'The caller: a user or an API token, with its role',
		permission: 'me.read',
		handler: async ({ caller }) => caller,
	}),
	apiRoute({
		method: 'put',
		path: '/me/password',
		summary: 'Change one’s own password, giving the current one (one’s other sessions end)',
		permission: 'me.read',
		body: passwordChangeSchema,
		handler: async ({ body, audit, req }) => {
			await changeOwnPassword(db, audit, body, req.cookies?.[SESSION_COOKIE] as string | undefined);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/me/sessions',
		summary: 'One’s own signed-in sessions (`current` is this one)',
		permission: 'me.read',
		handler: async ({ caller, req }) => {
			const userId = userIdOf(caller);
			const secret = req.cookies?.[SESSION_COOKIE] as string | undefined;
			return { data: userId ? await listSessions(db, userId, secret) : [], nextCursor: null };
		},
	}),
	apiRoute({
		method: 'delete',
		path: '/me/sessions/:sessionId',
		summary: 'Sign one of one’s own sessions out',
		permission: 'me.read',
		params: z.object({ sessionId: z.string().min(1) }),
		handler: async ({ caller, params, audit }) => {
			const userId = userIdOf(caller);
			if (!userId) throw notFound('Session');
			await endSession(db, audit, userId, params.sessionId);
		},
	}),
];
