import { createUser, deleteUser, listUsers, newUserSchema } from '../../domain/auth/users';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

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
