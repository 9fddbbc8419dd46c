export type N8nErrorKind =
	'dns' | 'refused' | 'timeout' | 'network' | 'unauthorized' | 'forbidden' | 'busy' | 'not_n8n' | 'http';

/** What happened, said of the instance: `n8n "prod" <hint>`. */
const HINTS: Record<N8nErrorKind, string> = {
	dns: 'cannot be found: its host name does not resolve (check the base URL)',
	refused: 'refused the connection: is n8n running, and on this port?',
	timeout: 'did not answer in time',
	network: 'could not be reached',
	unauthorized: 'rejected the API key (401): create a new key in n8n under Settings → n8n API',
	forbidden: 'does not allow the API key to do this (403): give the key the scopes it needs',
	busy: 'was too busy to answer (or a proxy before it was)',
	not_n8n:
		'answered, but not as n8n’s public API does: check that the base URL is the n8n instance’s root and that its public API is enabled',
	http: 'answered with an error',
};

/**
 * A failed call to an n8n instance. The message says in words what went wrong and names the
 * environment, never the key; the endpoint called is kept apart, as a technical detail.
 */
export class N8nError extends Error {
	constructor(
		readonly kind: N8nErrorKind,
		readonly environment: string,
		readonly endpoint: string,
		detail?: string,
		readonly status?: number,
	) {
		super(`n8n "${environment}" ${HINTS[kind]}${detail ? ` — ${detail}` : ''}`);
	}

	get retryable(): boolean {
		return (
			this.kind === 'timeout' ||
			this.kind === 'network' ||
			this.kind === 'refused' ||
			this.status === 429 ||
			(this.status ?? 0) >= 500 ||
			// e.g. 2.x "Workflow is still being unpublished. Please try again in a few moments."
			(this.status === 409 && /try again/i.test(this.message))
		);
	}
}

/**
 * What a failed fetch threw, classified (undici puts the socket error in `cause`), and for other
 * network failures the reason in words.
 */
export function transportFailure(error: unknown): { kind: N8nErrorKind; reason?: string } {
	const name = (error as Error)?.name;
	if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
	const cause = (error as { cause?: { code?: string; message?: unknown } })?.cause;
	const code = cause?.code;
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { kind: 'dns' };
	if (code === 'ECONNREFUSED') return { kind: 'refused' };
	if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
		return { kind: 'timeout' };
	if (cause?.message === 'bad port')
		return {
			kind: 'network',
			reason: 'the URL’s port is one Node.js never connects to (reserved for another protocol)',
		};
	if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
		return { kind: 'network', reason: 'the connection was cut off' };
	return { kind: 'network', reason: typeof cause?.message === 'string' ? cause.message : undefined };
}
