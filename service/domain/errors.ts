export type ErrorCode =
	'invalid_request' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'rate_limited';

/** An error a caller can act on; its message is shown to them as it is, so it never holds a secret. */
export class DomainError extends Error {
	constructor(
		readonly code: ErrorCode,
		message: string,
		readonly details?: unknown,
	) {
		super(message);
	}
}

/** What an error says, whatever was thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const notFound = (what: string) => new DomainError('not_found', `${what} was not found`);
export const conflict = (message: string, details?: unknown) => new DomainError('conflict', message, details);
