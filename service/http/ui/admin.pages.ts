import type { Request, Response } from 'express';
import { createToken, listTokens, newTokenSchema, revokeToken } from '../../domain/auth/api-tokens';
import { ROLES } from '../../domain/auth/permissions';
import {
	createUser,
	deleteUser,
	listUsers,
	newPasswordSchema,
	newUserSchema,
	setPassword,
	updateUser,
	userPatchSchema,
} from '../../domain/auth/users';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { echo, type FormErrors, parseForm, conflictMessage } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** Users and API tokens: admin pages with a list, a create form, and delete/revoke buttons. */
export const adminPages = ({ db }: AppDeps): UiRoute[] => {
	const usersPage = async (req: Request, res: Response, errors: FormErrors = {}, status = 200) =>
		render(
			req,
			res,
			'pages/users',
			{ users: await listUsers(db), roles: ROLES, values: status === 200 ? {} : echo(req.body, ['password']), errors },
			{ status },
		);

	const tokensPage = async (
		req: Request,
		res: Response,
		extra: { errors?: FormErrors; newToken?: string } = {},
		status = 200,
	) =>
		render(
			req,
			res,
			'pages/tokens',
			{
				tokens: await listTokens(db),
				roles: ROLES,
				values: status === 422 ? echo(req.body) : {},
				errors: extra.errors ?? {},
				newToken: extra.newToken ?? null,
			},
			{ status },
		);

	return [
		{ method: 'get', path: '/users', permission: 'users.manage', handler: (req, res) => usersPage(req, res) },
		{
			method: 'post',
			path: '/users',
			permission: 'users.manage',
			handler: async (req, res) => {
				const form = parseForm(newUserSchema, req.body);
				if (form.errors) return usersPage(req, res, form.errors, 422);
				const conflict = await conflictMessage(createUser(db, auditContext(req), form.data));
				if (conflict) return usersPage(req, res, { email: conflict }, 409);
				res.redirect(303, '/users');
			},
		},
		{
			method: 'post',
			path: '/users/:id/role',
			permission: 'users.manage',
			handler: async (req, res) => {
				const form = parseForm(userPatchSchema, { role: req.body.role });
				if (form.errors) return usersPage(req, res, { form: `Role ${form.errors.role}` }, 422);
				const conflict = await conflictMessage(updateUser(db, auditContext(req), String(req.params.id), form.data));
				if (conflict) return usersPage(req, res, { form: conflict }, 409);
				res.redirect(303, '/users');
			},
		},
		...(['disable', 'enable'] as const).map((action): UiRoute => ({
			method: 'post',
			path: `/users/:id/${action}`,
			permission: 'users.manage',
			handler: async (req, res) => {
				const disabled = action === 'disable';
				const conflict = await conflictMessage(updateUser(db, auditContext(req), String(req.params.id), { disabled }));
				if (conflict) return usersPage(req, res, { form: conflict }, 409);
				res.redirect(303, '/users');
			},
		})),
		{
			method: 'post',
			path: '/users/:id/password',
			permission: 'users.manage',
			handler: async (req, res) => {
				const form = parseForm(newPasswordSchema, { password: req.body.password });
				if (form.errors) return usersPage(req, res, { form: `The new password ${form.errors.password}` }, 422);
				await setPassword(db, auditContext(req), String(req.params.id), form.data.password);
				res.redirect(303, '/users');
			},
		},
		{
			method: 'post',
			path: '/users/:id/delete',
			permission: 'users.manage',
			handler: async (req, res) => {
				const conflict = await conflictMessage(deleteUser(db, auditContext(req), String(req.params.id)));
				if (conflict) return usersPage(req, res, { form: conflict }, 409);
				res.redirect(303, '/users');
			},
		},
		{ method: 'get', path: '/tokens', permission: 'tokens.manage', handler: (req, res) => tokensPage(req, res) },
		{
			method: 'post',
			path: '/tokens',
			permission: 'tokens.manage',
			handler: async (req, res) => {
				const form = parseForm(newTokenSchema, req.body);
				if (form.errors) return tokensPage(req, res, { errors: form.errors }, 422);
				const { secret } = await createToken(db, auditContext(req), form.data);
				// Shown this once: the page is not cached and a reload does not show it again.
				res.set('Cache-Control', 'no-store');
				await tokensPage(req, res, { newToken: secret }, 201);
			},
		},
		{
			method: 'post',
			path: '/tokens/:id/revoke',
			permission: 'tokens.manage',
			handler: async (req, res) => {
				await revokeToken(db, auditContext(req), String(req.params.id));
				res.redirect(303, '/tokens');
			},
		},
	];
};
