import { apiRoute } from '../route';

export const meRoutes = [
	apiRoute({
		method: 'get',
		path: '/me',
		summary: 'The caller: a user or an API token, with its role',
		permission: 'me.read',
		handler: async ({ caller }) => caller,
	}),
];
