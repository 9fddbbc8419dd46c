import { openSession } from '../../service/domain/auth/sessions';
import { CLI_CONTEXT } from '../../service/runtime';
import type { Companion } from './companion';

/** A cookie-keeping HTTP client for the admin UI that sends the CSRF token like the pages do. */
export class UiClient {
	readonly cookies = new Map<string, string>();

	constructor(private readonly baseUrl: string) {}

	async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
		return this.send('GET', path, undefined, headers);
	}

	/** Posts a form; `_csrf` is filled from the cookie unless the form gives its own. */
	async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
		if (!this.cookies.has('wfo_csrf')) await this.get('/login');
		const body = new URLSearchParams({ _csrf: this.cookies.get('wfo_csrf') ?? '', ...form });
		return this.send('POST', path, body.toString(), {
			'content-type': 'application/x-www-form-urlencoded',
			...headers,
		});
	}

	private async send(
		method: string,
		path: string,
		body: string | undefined,
		headers: Record<string, string>,
	): Promise<Response> {
		const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
		const response = await fetch(this.baseUrl + path, {
			method,
			body,
			redirect: 'manual',
			headers: { ...(cookie && { cookie }), ...headers },
		});
		for (const line of response.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const [name, value] = pair.split('=');
			if (value) this.cookies.set(name, value);
			else this.cookies.delete(name);
		}
		return response;
	}
}

/** A UI client already signed in as `email`: the session comes straight from the domain (no login form, no rate limit). */
export async function signedInClient(companion: Companion, email: string): Promise<UiClient> {
	const user = await companion.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
	const client = new UiClient(companion.url);
	client.cookies.set('wfo_session', await openSession(companion.db, CLI_CONTEXT, user));
	return client;
}
