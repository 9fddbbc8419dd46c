import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { Role, User } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { conflict, notFound } from '../errors';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import { ROLES } from './permissions';

export const emailSchema = z.string().trim().toLowerCase().pipe(z.email('must be an email address'));
export const passwordSchema = z
	.string()
	.min(10, 'must be at least 10 characters')
	.max(200, 'must be at most 200 characters');
export const roleSchema = z.enum(ROLES as [Role, ...Role[]], { error: 'must be viewer, developer or admin' });

export const newUserSchema = z.object({ email: emailSchema, role: roleSchema, password: passwordSchema });
export type NewUser = z.infer<typeof newUserSchema>;

export interface PublicUser {
	id: string;
	email: string;
	role: Role;
	createdAt: string;
	lastLoginAt: string | null;
}

const toPublicUser = (user: User): PublicUser => ({
	id: user.id,
	email: user.email,
	role: user.role,
	createdAt: user.created_at,
	lastLoginAt: user.last_login_at,
});

export async function countUsers(db: Db): Promise<number> {
	const { count } = await db
		.selectFrom('users')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.executeTakeFirstOrThrow();
	return Number(count);
}

export async function listUsers(db: Db): Promise<PublicUser[]> {
	const users = await db.selectFrom('users').selectAll().orderBy('email').execute();
	return users.map(toPublicUser);
}

/** Creates a user; with `onlyIfNone`, only when no user exists yet (the one-time owner set-up). */
export async function createUser(
	db: Db,
	context: AuditContext,
	input: NewUser,
	options: { onlyIfNone?: boolean } = {},
): Promise<PublicUser> {
	const passwordHash = await hashPassword(input.password);
	return db.transaction().execute(async (trx) => {
		if (options.onlyIfNone && (await countUsers(trx))) throw conflict('The owner is already set up: sign in instead');
		const taken = await trx.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
		if (taken) throw conflict(`A user with the email ${input.email} already exists`);
		const user: User = {
			id: crypto.randomUUID(),
			email: input.email,
			role: input.role,
			password_hash: passwordHash,
			created_at: new Date().toISOString(),
			last_login_at: null,
		};
		await trx.insertInto('users').values(user).execute();
		await appendAudit(trx, context, {
			action: 'user.create',
			resourceType: 'user',
			resourceId: user.id,
			metadata: { email: user.email, role: user.role, owner: Boolean(options.onlyIfNone) },
		});
		return toPublicUser(user);
	});
}

export async function deleteUser(db: Db, context: AuditContext, id: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const user = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
		if (!user) throw notFound('User');
		if (user.id === context.actor.id) throw conflict('You cannot delete your own account');
		if (user.role === 'admin') {
			const admins = await trx.selectFrom('users').select('id').where('role', '=', 'admin').execute();
			if (admins.length === 1) throw conflict('This is the last admin: make another user admin first');
		}
		await trx.deleteFrom('users').where('id', '=', id).execute();
		await appendAudit(trx, context, {
			action: 'user.delete',
			resourceType: 'user',
			resourceId: id,
			metadata: { email: user.email, role: user.role },
		});
	});
}

/** Checks a password; returns the user, or undefined (the same time is spent for unknown emails). */
export async function checkPassword(db: Db, email: string, password: string): Promise<User | undefined> {
	const user = await db
		.selectFrom('users')
		.selectAll()
		.where('email', '=', email.trim().toLowerCase())
		.executeTakeFirst();
	const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
	return valid ? user : undefined;
}
