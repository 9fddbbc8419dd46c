import type { Db } from '../../db/database';
import type { User } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { notFound } from '../errors';
import { newSecret, secretHash } from './secret-tokens';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Opens a session for a user who just proved who they are; returns the secret for the cookie. */
export async function openSession(db: Db, context: AuditContext, user: User, now = new Date()): Promise<string> {
	const secret = newSecret('');
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('sessions')
			.values({
				id_hash: secretHash(secret),
				user_id: user.id,
				created_at: now.toISOString(),
				expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
			})
			.execute();
		await trx.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).execute();
		await trx.updateTable('users').set({ last_login_at: now.toISOString() }).where('id', '=', user.id).execute();
		await appendAudit(trx, context, { action: 'auth.login', resourceType: 'user', resourceId: user.id });
	});
	return secret;
}

export async function sessionUser(db: Db, secret: string, now = new Date()): Promise<User | undefined> {
	return db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.selectAll('users')
		.where('sessions.id_hash', '=', secretHash(secret))
		.where('sessions.expires_at', '>', now.toISOString())
		.where('users.disabled_at', 'is', null)
		.executeTakeFirst();
}

export interface PublicSession {
	/** The hash the session is stored under (its secret, the cookie, is never kept). */
	id: string;
	createdAt: string;
	expiresAt: string;
	/** The session this request came with. */
	current: boolean;
}

/** A user's live sessions, newest first. */
export async function listSessions(
	db: Db,
	userId: string,
	currentSecret?: string,
	now = new Date(),
): Promise<PublicSession[]> {
	const current = currentSecret && secretHash(currentSecret);
	const rows = await db
		.selectFrom('sessions')
		.selectAll()
		.where('user_id', '=', userId)
		.where('expires_at', '>', now.toISOString())
		.orderBy('created_at', 'desc')
		.execute();
	return rows.map((row) => ({
		id: row.id_hash,
		createdAt: row.created_at,
		expiresAt: row.expires_at,
		current: row.id_hash === current,
	}));
}

/** Signs one of a user's sessions out. */
export async function endSession(db: Db, context: AuditContext, userId: string, sessionId: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const ended = await trx
			.deleteFrom('sessions')
			.where('user_id', '=', userId)
			.where('id_hash', '=', sessionId)
			.executeTakeFirst();
		if (!ended.numDeletedRows) throw notFound('Session');
		await appendAudit(trx, context, { action: 'auth.session_end', resourceType: 'user', resourceId: userId });
	});
}

/** Ends every session of a user, but the one with `keepSecret` (the caller's own, when they stay). */
export async function endSessionsOf(db: Db, userId: string, keepSecret?: string): Promise<void> {
	let sessions = db.deleteFrom('sessions').where('user_id', '=', userId);
	if (keepSecret) sessions = sessions.where('id_hash', '!=', secretHash(keepSecret));
	await sessions.execute();
}

export async function closeSession(db: Db, context: AuditContext, secret: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		await trx.deleteFrom('sessions').where('id_hash', '=', secretHash(secret)).execute();
		await appendAudit(trx, context, {
			action: 'auth.logout',
			resourceType: 'user',
			resourceId: context.actor.id ?? undefined,
		});
	});
}
