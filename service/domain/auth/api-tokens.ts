import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { ApiToken, Role } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { notFound } from '../errors';
import { newSecret, secretHash } from './secret-tokens';
import { roleSchema } from './users';

export const TOKEN_PREFIX = 'wfo_';
/** last_used_at is written at most this often per token, so busy tokens don't turn reads into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export const newTokenSchema = z.object({
	name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
	role: roleSchema,
});
export type NewToken = z.infer<typeof newTokenSchema>;

export interface PublicToken {
	id: string;
	name: string;
	role: Role;
	prefix: string;
	createdAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
}

const toPublicToken = (token: ApiToken): PublicToken => ({
	id: token.id,
	name: token.name,
	role: token.role,
	prefix: token.token_prefix,
	createdAt: token.created_at,
	lastUsedAt: token.last_used_at,
	revokedAt: token.revoked_at,
});

/** Creates a token; the secret is returned here once and only its hash is kept. */
export async function createToken(
	db: Db,
	context: AuditContext,
	input: NewToken,
): Promise<{ token: PublicToken; secret: string }> {
	const secret = newSecret(TOKEN_PREFIX);
	const row: ApiToken = {
		id: crypto.randomUUID(),
		name: input.name,
		role: input.role,
		token_hash: secretHash(secret),
		token_prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
		created_by: context.actor.id,
		created_at: new Date().toISOString(),
		last_used_at: null,
		revoked_at: null,
	};
	await db.transaction().execute(async (trx) => {
		await trx.insertInto('api_tokens').values(row).execute();
		await appendAudit(trx, context, {
			action: 'token.create',
			resourceType: 'token',
			resourceId: row.id,
			metadata: { name: row.name, role: row.role },
		});
	});
	return { token: toPublicToken(row), secret };
}

export async function listTokens(db: Db): Promise<PublicToken[]> {
	const tokens = await db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').execute();
	return tokens.map(toPublicToken);
}

export async function revokeToken(db: Db, context: AuditContext, id: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const token = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
		if (!token || token.revoked_at) throw notFound('Token');
		await trx.updateTable('api_tokens').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).execute();
		await appendAudit(trx, context, {
			action: 'token.revoke',
			resourceType: 'token',
			resourceId: id,
			metadata: { name: token.name },
		});
	});
}

/** The live token a secret belongs to, recording its use; undefined for unknown or revoked ones. */
export async function useToken(db: Db, secret: string, now = new Date()): Promise<ApiToken | undefined> {
	if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
	// A token made by a user who is now disabled does not work while they are.
	const token = await db
		.selectFrom('api_tokens')
		.leftJoin('users', 'users.id', 'api_tokens.created_by')
		.selectAll('api_tokens')
		.where('token_hash', '=', secretHash(secret))
		.where('revoked_at', 'is', null)
		.where('users.disabled_at', 'is', null)
		.executeTakeFirst();
	if (token && (!token.last_used_at || now.getTime() - Date.parse(token.last_used_at) > TOUCH_INTERVAL_MS)) {
		await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', token.id).execute();
	}
	return token;
}
