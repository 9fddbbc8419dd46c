import type { Db } from '../../db/database';
import type { User } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
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
		.executeTakeFirst();
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
