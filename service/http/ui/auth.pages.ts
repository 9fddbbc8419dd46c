import { z } from 'zod';
import { appendAudit } from '../../domain/audit/audit-log';
import { checkPassword, countUsers, createUser, emailSchema, passwordSchema } from '../../domain/auth/users';
import { closeSession, openSession } from '../../domain/auth/sessions';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { SESSION_COOKIE, cookieOptions, setSessionCookie, userCaller } from '../session';
import { echo, parseForm, conflictMessage } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

const setupSchema = z
	.object({ email: emailSchema, password: passwordSchema, confirm: z.string() })
	.refine((form) => form.password === form.confirm, { path: ['confirm'], message: 'does not match the password' });

const loginSchema = z.object({ email: z.string().min(1, 'is required'), password: z.string().min(1, 'is required') });

export const authPages = ({ db, publicUrl }: AppDeps): UiRoute[] => {
	const secure = publicUrl.startsWith('https://');
	return [
		{
			method: 'get',
			path: '/setup',
			permission: null,
			handler: async (req, res) => {
				if (await countUsers(db)) return res.redirect(303, '/login');
				render(req, res, 'pages/setup', { values: {}, errors: {} });
			},
		},
		{
			method: 'post',
			path: '/setup',
			permission: null,
			handler: async (req, res) => {
				// Once there is an owner, set-up is over, whatever the form holds.
				if (await countUsers(db)) return res.redirect(303, '/login');
				const form = parseForm(setupSchema, req.body);
				if (form.errors) {
					return render(
						req,
						res,
						'pages/setup',
						{ values: echo(req.body, ['password', 'confirm']), errors: form.errors },
						{ status: 422 },
					);
				}
				const { email, password } = form.data;
				const owner = createUser(db, auditContext(req), { email, password, role: 'admin' }, { onlyIfNone: true });
				if (await conflictMessage(owner)) return res.redirect(303, '/login');
				const user = await checkPassword(db, email, password);
				if (!user) throw new Error('The new owner cannot sign in');
				req.caller = userCaller(user);
				setSessionCookie(res, await openSession(db, auditContext(req), user), secure);
				res.redirect(303, '/environments');
			},
		},
		{
			method: 'get',
			path: '/login',
			permission: null,
			handler: async (req, res) => {
				if (!(await countUsers(db))) return res.redirect(303, '/setup');
				if (req.caller) return res.redirect(303, '/environments');
				render(req, res, 'pages/login', { values: {}, errors: {} });
			},
		},
		{
			method: 'post',
			path: '/login',
			permission: null,
			handler: async (req, res) => {
				const form = parseForm(loginSchema, req.body);
				const values = echo(req.body, ['password']);
				const refuse = (errors: Record<string, string>, status: number) =>
					render(req, res, 'pages/login', { values, errors }, { status });
				if (form.errors) return refuse(form.errors, 422);
				const user = await checkPassword(db, form.data.email, form.data.password);
				if (!user) {
					await db.transaction().execute((trx) =>
						appendAudit(trx, auditContext(req), {
							action: 'auth.login_failed',
							metadata: { email: form.data.email.slice(0, 200) },
						}),
					);
					return refuse({ form: 'The email or the password is wrong' }, 401);
				}
				if (user.disabled_at) return refuse({ form: 'This account is disabled: ask an admin to enable it' }, 403);
				req.caller = userCaller(user);
				setSessionCookie(res, await openSession(db, auditContext(req), user), secure);
				res.redirect(303, '/environments');
			},
		},
		{
			method: 'post',
			path: '/logout',
			permission: 'me.read',
			handler: async (req, res) => {
				await closeSession(db, auditContext(req), req.cookies[SESSION_COOKIE] as string);
				res.clearCookie(SESSION_COOKIE, cookieOptions(secure));
				res.redirect(303, '/login');
			},
		},
		{
			method: 'get',
			path: '/',
			permission: 'me.read',
			handler: async (_req, res) => res.redirect(303, '/dashboard'),
		},
	];
};
