import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { Role, User } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { conflict, DomainError, notFound } from '../errors';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import { ROLES } from './permissions';
import { endSessionsOf } from './sessions';

export const emailSchema = z.string().trim().toLowerCase().pipe(z.email('must be an email address'));
export const passwordSchema = z
	.string()
	.min(10, 'must be at least 10 characters')
	.max(200, 'must be at most 200 characters');
export const roleSchema = z.enum(ROLES as [Role, ...Role[]], { error: 'must be viewer, developer or admin' });

export const newUserSchema = z.object({ email: emailSchema, role: roleSchema, password: passwordSchema });
export type NewUser = z.infer<typeof newUserSchema>;

export const userPatchSchema = z
	.object({
		role: roleSchema,
		disabled: z.boolean().describe('a disabled user cannot sign in; their sessions and tokens stop working'),
	})
	.partial()
	.strict()
	.refine((patch) => Object.keys(patch).length > 0, 'must change role or disabled');
export type UserPatch = z.infer<typeof userPatchSchema>;

export const newPasswordSchema = z.object({ password: passwordSchema }).strict();

export const passwordChangeSchema = z
	.object({ currentPassword: z.string().min(1, 'is required'), newPassword: passwordSchema })
	.strict();

export interface PublicUser {
	id: string;
	email: string;
	role: Role;
	disabled: boolean;
	createdAt: string;
	lastLoginAt: string | null;
}

const toPublicUser = (user: User): PublicUser => ({
	id: user.id,
	email: user.email,
	role: user.role,
	disabled: user.disabled_at !== null,
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
			disabled_at: null,
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
		await keepAnAdmin(trx, user, 'deleted');
		await trx.deleteFrom('users').where('id', '=', id).execute();
		await appendAudit(trx, context, {
			action: 'user.delete',
			resourceType: 'user',
			resourceId: id,
			metadata: { email: user.email, role: user.role },
		});
	});
}

/**
 * Changes a user's role or disables (or enables) them. Disabling ends their sessions at once; their
 * tokens stop working while they are disabled. The last enabled admin stays one.
 */
export async function updateUser(db: Db, context: AuditContext, id: string, patch: UserPatch): Promise<PublicUser> {
	return db.transaction().execute(async (trx) => {
		const user = await getUserRow(trx, id);
		if ((patch.role && patch.role !== 'admin') || patch.disabled) await keepAnAdmin(trx, user, 'demoted or disabled');
		const disabledAt =
			patch.disabled === undefined
				? user.disabled_at
				: patch.disabled
					? (user.disabled_at ?? new Date().toISOString())
					: null;
		const updated = { ...user, role: patch.role ?? user.role, disabled_at: disabledAt };
		await trx.updateTable('users').set({ role: updated.role, disabled_at: disabledAt }).where('id', '=', id).execute();
		if (disabledAt) await endSessionsOf(trx, id);
		await appendAudit(trx, context, {
			action: 'user.update',
			resourceType: 'user',
			resourceId: id,
			metadata: { email: user.email, before: { role: user.role, disabled: user.disabled_at !== null }, ...patch },
		});
		return toPublicUser(updated);
	});
}

/** An admin sets a user's password: the user's sessions end, so the old password's sign-ins are gone. */
export async function setPassword(db: Db, context: AuditContext, id: string, password: string): Promise<void> {
	const passwordHash = await hashPassword(password);
	await db.transaction().execute(async (trx) => {
		const user = await getUserRow(trx, id);
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
		await endSessionsOf(trx, id);
		await appendAudit(trx, context, {
			action: 'user.password_reset',
			resourceType: 'user',
			resourceId: id,
			metadata: { email: user.email },
		});
	});
}

/** A user changes their own password, proving the current one; their other sessions end. */
export async function changeOwnPassword(
	db: Db,
	context: AuditContext,
	change: z.infer<typeof passwordChangeSchema>,
	keepSessionSecret?: string,
): Promise<void> {
	const user = context.actor.type === 'user' && context.actor.id ? await getUserRow(db, context.actor.id) : undefined;
	if (!user)
		throw new DomainError('forbidden', 'Only a signed-in user has a password to change: an API token has none');
	if (!(await verifyPassword(change.currentPassword, user.password_hash)))
		throw new DomainError('unprocessable', 'The current password is wrong', [
			{ field: 'currentPassword', message: 'is wrong' },
		]);
	const passwordHash = await hashPassword(change.newPassword);
	await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
		await endSessionsOf(trx, user.id, keepSessionSecret);
		await appendAudit(trx, context, { action: 'user.password_change', resourceType: 'user', resourceId: user.id });
	});
}

export async function getUser(db: Db, id: string): Promise<PublicUser> {
	return toPublicUser(await getUserRow(db, id));
}

async function getUserRow(db: Db, id: string): Promise<User> {
	const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
	if (!user) throw notFound('User');
	return user;
}

/** Refuses to let the last enabled admin stop being one. */
async function keepAnAdmin(trx: Db, user: User, how: string): Promise<void> {
	if (user.role !== 'admin' || user.disabled_at) return;
	const others = await trx
		.selectFrom('users')
		.select('id')
		.where('role', '=', 'admin')
		.where('disabled_at', 'is', null)
		.where('id', '!=', user.id)
		.executeTakeFirst();
	if (!others) throw conflict(`This is the last admin: make another user admin before this one is ${how}`);
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
