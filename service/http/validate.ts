import type { z } from 'zod';
import { DomainError } from '../domain/errors';

export interface FieldError {
	field: string;
	message: string;
}

/** Parses a request part; a failure becomes a 400 that lists every bad field. */
export function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, part: 'path' | 'query' | 'body'): T {
	if (!schema) return undefined as T;
	const result = schema.safeParse(value);
	if (result.success) return result.data;
	const details = fieldErrors(result.error, value);
	const summary = details.map((detail) => `${detail.field ? `${detail.field} ` : ''}${detail.message}`).join('; ');
	throw new DomainError('invalid_request', `Invalid ${part === 'body' ? 'request body' : part}: ${summary}`, details);
}

/** One entry per problem; a missing field says "is required" rather than zod's type message. */
export function fieldErrors(error: z.ZodError, input: unknown): FieldError[] {
	return error.issues.map((issue) => ({
		field: issue.path.join('.'),
		message: issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined ? 'is required' : issue.message,
	}));
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
	return path.reduce<unknown>(
		(value, key) => (value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined),
		input,
	);
}
