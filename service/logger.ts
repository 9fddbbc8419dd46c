import pino, { type Logger } from 'pino';
import type { Config } from './config';

export function createLogger(level: Config['logLevel']): Logger {
	return pino({
		level,
		base: undefined,
		// Belt and braces: the request serializers never log headers, and no code logs secrets.
		redact: { paths: ['*.authorization', '*.cookie', '*.apiKey', '*.password', '*.token'], censor: '[redacted]' },
	});
}
