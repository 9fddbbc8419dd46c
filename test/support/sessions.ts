import { openSession } from '../../service/domain/auth/sessions';
import { createUser } from '../../service/domain/auth/users';
import type { Role } from '../../service/db/schema';
import { CLI_CONTEXT } from '../../service/runtime';
import type { Companion } from './companion';

export const CSRF = 'test-csrf-token-value';

/** Cookie and CSRF headers of a fresh signed-in session for a new user of that role. */
export async function sessionHeaders(companion: Companion, role: Role): Promise<Record<string, string>> {
	const email = `${role}-${Math.random().toString(36).slice(2)}@example.com`;
	const user = await createUser(companion.db, CLI_CONTEXT, { email, password: 'a long password', role });
	const row = await companion.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
	const secret = await openSession(companion.db, CLI_CONTEXT, row);
	return { cookie: `wfo_session=${secret}; wfo_csrf=${CSRF}`, 'x-csrf-token': CSRF };
}
