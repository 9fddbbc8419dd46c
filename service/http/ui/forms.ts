import type { z } from 'zod';
import type { Request } from 'express';
import { DomainError } from '../../domain/errors';
import { describeError } from '../errors';
import { fieldErrors, fieldMessage } from '../validate';

export type FormErrors = Record<string, string>;

/**
 * Parses a submitted form: blank fields count as absent, a field sent several times (checkboxes) is a
 * list; errors come back keyed by field name.
 */
export function parseForm<T>(
	schema: z.ZodType<T>,
	body: unknown,
): { data: T; errors?: undefined } | { data?: undefined; errors: FormErrors } {
	const fields = Object.fromEntries(
		Object.entries((body ?? {}) as Record<string, unknown>).filter(
			([, value]) => (typeof value === 'string' && value.trim() !== '') || Array.isArray(value),
		),
	);
	const result = schema.safeParse(fields, { error: fieldMessage });
	if (result.success) return { data: result.data };
	const errors: FormErrors = {};
	for (const { field, message } of fieldErrors(result.error, fields)) errors[field || 'form'] ??= message;
	return { errors };
}

/** What was typed, to put back into a form shown again; secrets are never echoed. */
export function echo(body: unknown, omit: string[] = []): Record<string, string> {
	return Object.fromEntries(
		Object.entries((body ?? {}) as Record<string, unknown>).filter(
			(entry): entry is [string, string] => typeof entry[1] === 'string' && !omit.includes(entry[0]),
		),
	);
}

/**
 * An error a user can cause (a DomainError, or n8n failing: 502) as the status and message to show;
 * anything else is thrown on, for the error handler to log.
 */
export function userFacingError(req: Request, error: unknown): { status: number; message: string } {
	const { status, body } = describeError(error, String(req.id));
	if (status >= 500 && status !== 502) throw error;
	return { status, message: body.error.message };
}

/** Awaits a change; a conflict (a name taken, the last admin…) comes back as its message instead of a throw. */
export async function conflictMessage(change: Promise<unknown>): Promise<string | undefined> {
	try {
		await change;
		return undefined;
	} catch (error) {
		if (error instanceof DomainError && error.code === 'conflict') return error.message;
		throw error;
	}
}

/** The filters a list page was asked for, to put back into its form and its page links (not the cursor). */
export function filterValues(query: Record<string, unknown>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(query).filter(
			(entry): entry is [string, string] => entry[0] !== 'cursor' && typeof entry[1] === 'string' && entry[1] !== '',
		),
	);
}

/** A textarea's non-empty lines, trimmed (one item per line: banned types, patterns, prices). */
export function formLines(value: unknown): string[] {
	return String(value ?? '')
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean);
}
