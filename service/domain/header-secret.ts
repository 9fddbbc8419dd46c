import { z } from 'zod';

/**
 * A key or token that goes into an HTTP header (n8n API keys, GitHub tokens): what a header cannot
 * carry is refused here with the reason, rather than failing every later call as a connection error.
 */
export function headerSecretSchema(maxLength: number) {
	return z
		.string()
		.trim()
		.min(1, 'must not be empty')
		.max(maxLength, 'is too long')
		.superRefine((value, context) => {
			const problem = headerProblem(value);
			if (problem) context.addIssue({ code: 'custom', message: problem });
		});
}

function headerProblem(value: string): string | undefined {
	if (/[\r\n]/.test(value)) return 'must be on one line: it holds a line break (copy it again without one)';
	const position = [...value].findIndex((char) => char < ' ' || char > '~');
	if (position === -1) return undefined;
	const char = [...value][position];
	return char < ' ' || char === '\u007f'
		? `holds a control character at position ${position + 1}: copy it again`
		: `holds "${char}" at position ${position + 1}, which a key never does: copy it again`;
}
