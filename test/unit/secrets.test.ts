import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateKeyFile, SecretBox } from '../../service/domain/secrets';

const box = new SecretBox(crypto.randomBytes(32));

test('seal then open gives the secret back; the sealed form does not contain it', () => {
	const sealed = box.seal('n8n_api_secret-value');
	expect(sealed).not.toContain('n8n_api_secret-value');
	expect(box.open(sealed)).toBe('n8n_api_secret-value');
	expect(box.seal('same')).not.toBe(box.seal('same'));
});

test('the wrong key, or a tampered ciphertext, cannot open a secret', () => {
	const sealed = box.seal('secret');
	expect(() => new SecretBox(crypto.randomBytes(32)).open(sealed)).toThrow(
		'the encryption key is not the one it was sealed with',
	);
	const [version, iv, tag, data] = sealed.split(':');
	const flipped = Buffer.from(data, 'base64');
	flipped[0] ^= 1;
	expect(() => box.open([version, iv, tag, flipped.toString('base64')].join(':'))).toThrow('cannot be decrypted');
	expect(() => box.open('garbage')).toThrow('Not a sealed secret');
});

test('the key file is created once with mode 0600 and read back after', () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfo-key-'));
	const first = loadOrCreateKeyFile(dir);
	expect(first).toHaveLength(32);
	expect(fs.statSync(path.join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
	expect(loadOrCreateKeyFile(dir)).toEqual(first);
	fs.rmSync(dir, { recursive: true });
});
