import type { z } from 'zod';
import { DomainError } from '../domain/errors';

type Issue = z.core.$ZodRawIssue;

const UNITS: Record<string, [string, string]> = { string: ['character', 'characters'], array: ['item', 'items'] };
const count = (origin: unknown, n: number | bigint) => {
	const unit = UNITS[String(origin)];
	return unit ? `${n} ${n === 1 ? unit[0] : unit[1]}` : String(n);
};
const FORMATS: Record<string, string> = {
	email: 'must be an email address',
	url: 'must be a URL',
	datetime: 'must be an ISO date and time, e.g. 2026-01-31T12:00:00Z',
	uuid: 'must be a UUID',
};

/**
 * zod's own messages ("Too big: expected string to have <=200 characters") as words that follow the
 * field's name: "label must be at most 200 characters". A schema's own message is kept.
 */
export function fieldMessage(issue: Issue): string | undefined {
	switch (issue.code) {
		case 'too_big':
			return `must be at most ${count(issue.origin, issue.maximum)}`;
		case 'too_small':
			if (issue.minimum === 1 && issue.origin === 'string') return 'must not be empty';
			return `must be at least ${count(issue.origin, issue.minimum)}`;
		case 'invalid_type':
			return issue.expected === 'int' ? 'must be a whole number' : `must be ${article(issue.expected)}`;
		case 'invalid_value':
			return `must be one of ${issue.values.map(String).join(', ')}`;
		case 'invalid_format':
			return FORMATS[issue.format] ?? 'is not in the expected format';
		case 'unrecognized_keys':
			return `has unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.join(', ')}`;
		default:
			return undefined;
	}
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

export interface FieldError {
	field: string;
	message: string;
}

/** Parses a request part; a failure becomes a 400 that lists every bad field. */
export function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, part: 'path' | 'query' | 'body'): T {
	if (!schema) return undefined as T;
	const result = schema.safeParse(value, { error: fieldMessage });
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
