import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError, type ErrorCode } from '../domain/errors';
import { N8nError } from '../n8n/errors';

const STATUS: Record<ErrorCode, number> = {
	invalid_request: 400,
	unauthenticated: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	unprocessable: 422,
	rate_limited: 429,
};

/** PostgreSQL's "invalid byte sequence for encoding UTF8", which a NUL character in text raises. */
const POSTGRES_NUL_IN_TEXT = '22021';

export interface ErrorBody {
	error: { code: string; message: string; details?: unknown };
}

/**
 * Turns any thrown error into a status and the error body of DESIGN.md; an n8n that failed is a 502 with
 * its (secret-free) message; unknown errors hide their cause.
 */
export function describeError(error: unknown, requestId: string): { status: number; body: ErrorBody } {
	if (error instanceof DomainError) {
		return {
			status: STATUS[error.code],
			body: { error: { code: error.code, message: error.message, details: error.details } },
		};
	}
	if (error instanceof N8nError) {
		return {
			status: 502,
			body: { error: { code: 'n8n_error', message: error.message, details: { endpoint: error.endpoint } } },
		};
	}
	const httpError = error as { type?: string; status?: number };
	if (httpError.type === 'entity.parse.failed') {
		return { status: 400, body: { error: { code: 'invalid_request', message: 'The request body is not valid JSON' } } };
	}
	if (httpError.type === 'entity.too.large') {
		return { status: 413, body: { error: { code: 'too_large', message: 'The request body is too large' } } };
	}
	if (error instanceof URIError) {
		return {
			status: 400,
			body: { error: { code: 'invalid_request', message: 'The address is not valid: it holds a broken %-escape' } },
		};
	}
	// PostgreSQL's text cannot hold a NUL character (SQLite's can): what the request gave it has one.
	if ((error as { code?: unknown }).code === POSTGRES_NUL_IN_TEXT) {
		return {
			status: 400,
			body: { error: { code: 'invalid_request', message: 'Text with a NUL character (\\u0000) cannot be stored' } },
		};
	}
	// What Express and its body parsers refuse (a body declared gzip that is not, an unknown charset…).
	if (httpError.status && httpError.status >= 400 && httpError.status < 500) {
		return {
			status: httpError.status,
			body: { error: { code: 'invalid_request', message: 'The request body could not be read' } },
		};
	}
	return {
		status: 500,
		body: {
			error: {
				code: 'internal',
				message: `Something went wrong on our side; the companion's log has the details (request ${requestId})`,
			},
		},
	};
}

export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
	return (error, req, res, next) => {
		if (res.headersSent) return next(error);
		const { status, body } = describeError(error, String(req.id));
		if (status >= 500) logger.error({ err: error, requestId: req.id }, 'request failed');
		// What HTTP asks of a 401: the scheme to answer with.
		if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="WorkflowOps"');
		res.status(status).json(body);
	};
}
