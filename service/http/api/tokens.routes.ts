import { createToken, listTokens, newTokenSchema, revokeToken } from '../../domain/auth/api-tokens';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

export const tokenRoutes = ({ db }: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/tokens',
		summary: 'List API tokens (never their secrets)',
		permission: 'tokens.manage',
		handler: async () => ({ data: await listTokens(db), nextCursor: null }),
	}),
	apiRoute({
		method: 'post',
		path: '/tokens',
		summary: 'Create an API token; the response holds the token itself, shown this once',
		permission: 'tokens.manage',
		body: newTokenSchema,
		status: 201,
		handler: async ({ body, audit }) => {
			const { token, secret } = await createToken(db, audit, body);
			return { ...token, token: secret };
		},
	}),
	apiRoute({
		method: 'delete',
		path: '/tokens/:id',
		summary: 'Revoke an API token',
		permission: 'tokens.manage',
		params: idParams,
		handler: async ({ params, audit }) => {
			await revokeToken(db, audit, params.id);
		},
	}),
];
