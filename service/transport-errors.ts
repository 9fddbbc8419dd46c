export type TransportErrorKind = 'dns' | 'refused' | 'timeout' | 'network';

/**
 * What a failed fetch threw, classified (undici puts the socket error in `cause`), and for other
 * network failures the reason in words.
 */
export function transportFailure(error: unknown): { kind: TransportErrorKind; reason?: string } {
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
