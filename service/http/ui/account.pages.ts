import type { Request, Response } from 'express';
import { z } from 'zod';
import { endSession, listSessions } from '../../domain/auth/sessions';
import { changeOwnPassword, passwordSchema } from '../../domain/auth/users';
import { DomainError } from '../../domain/errors';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { SESSION_COOKIE } from '../session';
import { type FormErrors, parseForm } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

const passwordForm = z
	.object({ currentPassword: z.string().min(1, 'is required'), newPassword: passwordSchema, confirm: z.string() })
	.refine((form) => form.newPassword === form.confirm, {
		path: ['confirm'],
		message: 'does not match the new password',
	});

/** One's own account: change the password, see one's sessions and sign any of them out. */
export const accountPages = ({ db }: AppDeps): UiRoute[] => {
	const sessionSecret = (req: Request) => req.cookies?.[SESSION_COOKIE] as string | undefined;
	const page = async (
		req: Request,
		res: Response,
		extra: { errors?: FormErrors; notice?: string } = {},
		status = 200,
	) =>
		render(
			req,
			res,
			'pages/account',
			{
				sessions: await listSessions(db, req.caller!.id, sessionSecret(req)),
				errors: extra.errors ?? {},
				notice: extra.notice ?? null,
			},
			{ status },
		);

	return [
		{ method: 'get', path: '/account', permission: 'me.read', handler: (req, res) => page(req, res) },
		{
			method: 'post',
			path: '/account/password',
			permission: 'me.read',
			handler: async (req, res) => {
				const form = parseForm(passwordForm, req.body);
				if (form.errors) return page(req, res, { errors: form.errors }, 422);
				try {
					await changeOwnPassword(db, auditContext(req), form.data, sessionSecret(req));
				} catch (error) {
					if (error instanceof DomainError && error.code === 'unprocessable')
						return page(req, res, { errors: { currentPassword: 'is wrong' } }, 422);
					throw error;
				}
				await page(req, res, { notice: 'Your password is changed; your other sessions are signed out.' });
			},
		},
		{
			method: 'post',
			path: '/account/sessions/:id/end',
			permission: 'me.read',
			handler: async (req, res) => {
				await endSession(db, auditContext(req), req.caller!.id, String(req.params.id));
				res.redirect(303, '/account');
			},
		},
	];
};
