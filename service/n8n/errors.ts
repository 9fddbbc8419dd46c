export type N8nErrorKind =
	'dns' | 'refused' | 'timeout' | 'network' | 'unauthorized' | 'forbidden' | 'not_n8n' | 'http';

const HINTS: Record<N8nErrorKind, string> = {
	dns: 'the host name does not resolve: check the base URL',
	refused: 'the connection was refused: is n8n running, and on this port?',
	timeout: 'n8n did not answer in time',
	network: 'the connection failed',
	unauthorized: 'n8n rejected the API key (401): create a new key in n8n under Settings → n8n API',
	forbidden: 'the API key is not allowed to do this (403): give the key the scopes it needs',
	not_n8n:
		'the server answered, but not as n8n’s public API does: check that the base URL is the n8n instance’s root and that its public API is enabled',
	http: 'n8n answered with an error',
};

/** A failed call to an n8n instance. The message names the environment and endpoint, never the key. */
export class N8nError extends Error {
	constructor(
		readonly kind: N8nErrorKind,
		readonly environment: string,
		readonly endpoint: string,
		detail?: string,
		readonly status?: number,
	) {
		super(`n8n "${environment}" (${endpoint}): ${HINTS[kind]}${detail ? ` — ${detail}` : ''}`);
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

/** Classifies what fetch threw (undici puts the socket error in `cause`). */
export function transportErrorKind(error: unknown): N8nErrorKind {
	const name = (error as Error)?.name;
	if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
	const code = (error as { cause?: { code?: string } })?.cause?.code;
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'dns';
	if (code === 'ECONNREFUSED') return 'refused';
	if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
		return 'timeout';
	return 'network';
}
