import { redactionSettingsSchema, redactor } from '../../service/domain/executions/redaction';

const redact = redactor({ off: [], patterns: [] });

test('the defaults redact e-mail addresses, bearer tokens, API keys, card numbers and IBANs by kind', () => {
	expect(redact('Mail to bob.smith+x@mail.example.co.uk failed')).toBe('Mail to [redacted:email] failed');
	expect(redact('Authorization: Bearer eyJhbGciOi.abc-def_123')).toBe('Authorization: [redacted:bearer_token]');
	expect(redact('OpenAI said no to sk-proj-abcdefghijklmnopqrstuvwx')).toBe('OpenAI said no to [redacted:api_key]');
	expect(redact('GET /items?api_key=9f8e7d6c5b4a&page=2')).toBe('GET /items?[redacted:api_key]&page=2');
	expect(redact('{"password": "hunter22"}')).toBe('{"[redacted:api_key]"}');
	expect(redact('card 4111 1111 1111 1111 declined')).toBe('card [redacted:card_number] declined');
	expect(redact('to DE89 3704 0044 0532 0130 00 refused')).toBe('to [redacted:iban] refused');
});

test('numbers that only look like cards or IBANs stay: the check digits must hold', () => {
	expect(redact('order 4111 1111 1111 1112 and row 1234567890123')).toBe(
		'order 4111 1111 1111 1112 and row 1234567890123',
	);
	expect(redact('code DE00 3704 0044 0532 0130 00')).toBe('code DE00 3704 0044 0532 0130 00');
	expect(redact('Execution 123456 failed at node "Send"')).toBe('Execution 123456 failed at node "Send"');
});

test('a default kind can be turned off, and patterns of one’s own are redacted by their kind', () => {
	const custom = redactor({ off: ['email'], patterns: [{ kind: 'customer_id', pattern: 'CUST-\\d+' }] });
	expect(custom('bob@example.com: CUST-4411 unknown')).toBe('bob@example.com: [redacted:customer_id] unknown');
});

test('settings refuse what is not a usable pattern, an unknown default kind and a bad kind name', () => {
	const issues = (value: unknown) =>
		redactionSettingsSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
	expect(issues({ off: [], patterns: [{ kind: 'x', pattern: '(' }] })).toEqual([
		expect.stringMatching(/^patterns\.0\.pattern: must be a regular expression/),
	]);
	expect(issues({ off: [], patterns: [{ kind: 'x', pattern: '.*' }] })).toHaveLength(1);
	expect(issues({ off: ['phone'], patterns: [] })).toHaveLength(1);
	expect(issues({ off: [], patterns: [{ kind: 'Bad Kind', pattern: 'x' }] })).toHaveLength(1);
	expect(issues({ off: ['iban'], patterns: [{ kind: 'ticket', pattern: 'T-\\d+' }] })).toBeUndefined();
});
