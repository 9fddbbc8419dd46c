import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { TOKEN_FORMATS } from '../policies/content-rules';
import { readSettings, writeSettings } from '../settings-row';

/** The kinds of secret and personal data redacted unless an admin turns one off. */
export const DEFAULT_KINDS = ['email', 'bearer_token', 'api_key', 'card_number', 'iban'] as const;
type DefaultKind = (typeof DEFAULT_KINDS)[number];

export interface RedactionSettings {
	/** Default kinds not redacted. */
	off: DefaultKind[];
	/** Patterns of an admin's own, each replaced by `[redacted:<kind>]`. */
	patterns: Array<{ kind: string; pattern: string }>;
}

const DEFAULTS: RedactionSettings = { off: [], patterns: [] };

const luhn = (digits: string) => {
	let sum = 0;
	for (const [i, char] of [...digits].reverse().entries()) {
		const digit = Number(char) * (i % 2 ? 2 : 1);
		sum += digit > 9 ? digit - 9 : digit;
	}
	return sum % 10 === 0;
};
const ibanChecks = (iban: string) => {
	const moved = iban.slice(4) + iban.slice(0, 4);
	const numeric = moved.replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
	return BigInt(numeric) % 97n === 1n;
};

/** Each default kind: what it finds, and (when one is needed) what a match must pass to be one. */
const DEFAULT_PATTERNS: Array<{ kind: DefaultKind; pattern: RegExp; valid?: (match: string) => boolean }> = [
	{ kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
	{ kind: 'bearer_token', pattern: /\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi },
	...TOKEN_FORMATS.map(([, format]) => ({ kind: 'api_key' as const, pattern: new RegExp(format.source, 'g') })),
	{
		kind: 'api_key',
		pattern: /\b(?:api[-_]?key|apikey|access[-_]?token|token|secret|password)["']?\s*[:=]\s*["']?[^\s"',;&]{6,}/gi,
	},
	{
		kind: 'card_number',
		pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
		valid: (match) => luhn(match.replace(/\D/g, '')),
	},
	{
		kind: 'iban',
		pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
		valid: (match) => ibanChecks(match.replace(/ /g, '')),
	},
];

/** The redaction as set now, ready to apply. */
export type Redactor = (text: string) => string;

export function redactor(settings: RedactionSettings): Redactor {
	const rules = [
		...DEFAULT_PATTERNS.filter((rule) => !settings.off.includes(rule.kind)),
		...settings.patterns.map(({ kind, pattern }) => ({ kind, pattern: new RegExp(pattern, 'g'), valid: undefined })),
	];
	return (text) =>
		rules.reduce(
			(redacted, { kind, pattern, valid }) =>
				redacted.replace(pattern, (match) => (!valid || valid(match) ? `[redacted:${kind}]` : match)),
			text,
		);
}

export async function redactionSettings(db: Db): Promise<RedactionSettings> {
	return readSettings(db, 'redaction_settings', DEFAULTS);
}

export const currentRedactor = async (db: Db): Promise<Redactor> => redactor(await redactionSettings(db));

const MESSAGE_LIMIT = 2000;

/** An error message as the companion keeps it: redacted, then cut to a sane length. */
export function redactMessage(redact: Redactor, text: string): string {
	const message = redact(text);
	return message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message;
}

const patternSchema = z
	.string()
	.min(1)
	.max(500)
	.refine((pattern) => {
		try {
			new RegExp(pattern, 'g');
			return !new RegExp(pattern).test('');
		} catch {
			return false;
		}
	}, 'must be a regular expression (JavaScript syntax) that matches something, not the empty text');

export const redactionSettingsSchema = z
	.object({
		off: z.array(z.enum(DEFAULT_KINDS)).max(DEFAULT_KINDS.length).describe('default kinds not to redact'),
		patterns: z
			.array(
				z
					.object({
						kind: z
							.string()
							.regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _, starting with a letter'),
						pattern: patternSchema,
					})
					.strict(),
			)
			.max(50)
			.describe('your own patterns: each match is replaced by [redacted:<kind>]'),
	})
	.strict();

/** Sets the redaction (admin): which defaults are off, and the patterns of one's own. Audited. */
export async function updateRedactionSettings(
	db: Db,
	context: AuditContext,
	settings: RedactionSettings,
): Promise<RedactionSettings> {
	return db.transaction().execute(async (trx) => {
		await writeSettings(trx, 'redaction_settings', context, settings);
		await appendAudit(trx, context, {
			action: 'settings.redaction_update',
			resourceType: 'redaction',
			metadata: { off: settings.off, kinds: settings.patterns.map((p) => p.kind) },
		});
		return settings;
	});
}
