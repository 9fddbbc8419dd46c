import crypto from 'node:crypto';

/** A random opaque secret with a readable prefix (session ids, API tokens). */
export function newSecret(prefix: string): string {
	return prefix + crypto.randomBytes(32).toString('base64url');
}

/** Secrets are stored only as their SHA-256: enough for 256-bit random values, and fast to look up. */
export function secretHash(secret: string): string {
	return crypto.createHash('sha256').update(secret).digest('hex');
}
