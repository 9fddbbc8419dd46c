import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../db/database';

const VERSION = 'v1';

/** Seals and opens secrets (instance API keys, later GitHub tokens) with AES-256-GCM. */
export class SecretBox {
	constructor(private readonly key: Buffer) {
		if (key.length !== 32) throw new Error('The encryption key must be 32 bytes');
	}

	seal(plaintext: string): string {
		const iv = crypto.randomBytes(12);
		const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
		const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
		return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(
			':',
		);
	}

	open(sealed: string): string {
		const [version, iv, tag, ciphertext] = sealed.split(':');
		if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('Not a sealed secret');
		const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
		decipher.setAuthTag(Buffer.from(tag, 'base64'));
		try {
			return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
		} catch {
			throw new Error('A stored secret cannot be decrypted: the encryption key is not the one it was sealed with');
		}
	}
}

export const keyFileOf = (dataDir: string) => path.join(dataDir, 'encryption.key');

/** Reads `<dataDir>/encryption.key`, creating it (mode 0600) with a random key on first use. */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
	fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	try {
		fs.writeFileSync(keyFileOf(dataDir), crypto.randomBytes(32).toString('base64') + '\n', {
			mode: 0o600,
			flag: 'wx',
		});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
	return readKeyFile(dataDir)!;
}

/** The key in `<dataDir>/encryption.key`, or undefined when there is no such file. */
export function readKeyFile(dataDir: string): Buffer | undefined {
	const file = keyFileOf(dataDir);
	if (!fs.existsSync(file)) return undefined;
	const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
	if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
	return key;
}

/** Every column that holds a sealed secret. */
const SEALED_COLUMNS = [
	['environments', 'api_key_sealed'],
	['git_mirrors', 'token_sealed'],
	['webhook_subscriptions', 'secret_sealed'],
	['failure_reporting', 'secret_sealed'],
	['audit_signing_key', 'private_key_sealed'],
] as const;

/** The sealed secrets stored, every one or the first `limit`. */
export async function storedSecrets(db: Db, limit?: number): Promise<string[]> {
	const each = SEALED_COLUMNS.map(
		([table, column]) => sql`SELECT ${sql.ref(column)} AS sealed FROM ${sql.table(table)}`,
	);
	const { rows } = await sql<{ sealed: string }>`${sql.join(each, sql` UNION ALL `)}${
		limit === undefined ? sql`` : sql` LIMIT ${limit}`
	}`.execute(db);
	return rows.map((row) => row.sealed);
}
