import { endSession, listSessions } from '../../domain/auth/sessions';
import {
	createUser,
	deleteUser,
	getUser,
	listUsers,
	newPasswordSchema,
	newUserSchema,
	setPassword,
	updateUser,
	userPatchSchema,
} from '../../domain/auth/users';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

const sessionParams = z.object({ id: z.string().min(1), sessionId: z.string().min(1) });

export const userRoutes = ({ db }: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/users',
		summary: 'List users',
		permission: 'users.manage',
		handler: async () => ({ data: await listUsers(db), nextCursor: null }),
	}),
	apiRoute({
		method: 'post',
		path: '/users',
		summary: 'Create a user',
		permission: 'users.manage',
		body: newUserSchema,
		status: 201,
		handler: async ({ body, audit }) => createUser(db, audit, body),
	}),
	apiRoute({
		method: 'patch',
		path: '/users/:id',
		summary: 'Change a user’s role, or disable or enable them (the last admin stays one)',
		permission: 'users.manage',
		params: idParams,
		body: userPatchSchema,
		handler: async ({ params, body, audit }) => updateUser(db, audit, params.id, body),
	}),
	apiRoute({
		method: 'put',
		path: '/users/:id/password',
		summary: 'Set a user’s password (their sessions end)',
		permission: 'users.manage',
		params: idParams,
		body: newPasswordSchema,
		handler: async ({ params, body, audit }) => {
			await setPassword(db, audit, params.id, body.password);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/users/:id/sessions',
		summary: 'A user’s signed-in sessions',
		permission: 'users.manage',
		params: idParams,
		handler: async ({ params }) => {
			await getUser(db, params.id);
			return { data: await listSessions(db, params.id), nextCursor: null };
		},
	}),
	apiRoute({
		method: 'delete',
		path: '/users/:id/sessions/:sessionId',
		summary: 'Sign one of a user’s sessions out',
		permission: 'users.manage',
		params: sessionParams,
		handler: async ({ params, audit }) => {
			await endSession(db, audit, params.id, params.sessionId);
		},
	}),
	apiRoute({
		method: 'delete',
		path: '/users/:id',
		summary: 'Delete a user (their audit entries stay)',
		permission: 'users.manage',
		params: idParams,
		handler: async ({ params, audit }) => {
			await deleteUser(db, audit, params.id);
		},
	}),
];
