import crypto from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { AuditRow } from '../../db/schema';
import type { SecretBox } from '../secrets';
import { appendAudit, type AuditContext, entryHash } from './audit-log';

export const EXPORT_FORMAT = 'workflowops.audit-export.v1';
const BATCH = 1000;

export const auditExportSchema = z
	.object({
		from: z.iso.datetime({ offset: true }).optional().describe('ISO time, inclusive; default the first entry'),
		to: z.iso.datetime({ offset: true }).optional().describe('ISO time, exclusive; default now'),
	})
	.strict();
export type AuditExportRange = z.infer<typeof auditExportSchema>;

/** What the last line of an export says of the lines before it, signed. */
export interface ExportManifest {
	format: typeof EXPORT_FORMAT;
	exportedAt: string;
	range: { from: string | null; to: string | null };
	count: number;
	firstId: number | null;
	lastId: number | null;
	/** The hash the first entry links to: the last entry of the export before this one. */
	previousHash: string | null;
	lastHash: string | null;
	/** SHA-256 of the entry lines exactly as written, newlines included. */
	entriesSha256: string;
	/** The Ed25519 key that signed it (PEM) and its fingerprint. */
	publicKey: string;
	keyId: string;
}

/**
 * The audit log from `from` to `to` as JSON Lines: every entry as stored (its hash covers exactly those
 * fields), every one between the range's first and last, then a manifest of the chain's piece signed
 * with the companion's Ed25519 key. The log itself is never changed; the export is audited.
 */
export async function* signedAuditExport(
	db: Db,
	secrets: SecretBox,
	context: AuditContext,
	range: AuditExportRange,
): AsyncGenerator<string> {
	const key = await signingKey(db, secrets);
	const bounds = await idsWithin(db, range);
	const digest = crypto.createHash('sha256');
	let first: AuditRow | undefined;
	let last: AuditRow | undefined;
	let count = 0;
	for (let after = bounds.first - 1; bounds.first <= bounds.last;) {
		const rows = await db
			.selectFrom('audit_log')
			.selectAll()
			.where('id', '>', after)
			.where('id', '<=', bounds.last)
			.orderBy('id')
			.limit(BATCH)
			.execute();
		for (const row of rows) {
			const line = JSON.stringify(row) + '\n';
			digest.update(line);
			first ??= row;
			last = row;
			count++;
			yield line;
		}
		if (rows.length < BATCH) break;
		after = rows[rows.length - 1].id;
	}
	const manifest: ExportManifest = {
		format: EXPORT_FORMAT,
		exportedAt: new Date().toISOString(),
		range: { from: range.from ?? null, to: range.to ?? null },
		count,
		firstId: first?.id ?? null,
		lastId: last?.id ?? null,
		previousHash: first?.prev_hash ?? null,
		lastHash: last?.hash ?? null,
		entriesSha256: digest.digest('hex'),
		publicKey: key.publicKey,
		keyId: keyIdOf(key.publicKey),
	};
	const signature = crypto.sign(null, Buffer.from(JSON.stringify(manifest)), key.privateKey).toString('base64');
	yield JSON.stringify({ manifest, signature }) + '\n';
	await db.transaction().execute((trx) =>
		appendAudit(trx, context, {
			action: 'audit.export',
			resourceType: 'audit',
			metadata: { range: manifest.range, count, firstId: manifest.firstId, lastId: manifest.lastId },
		}),
	);
}

async function idsWithin(db: Db, range: AuditExportRange): Promise<{ first: number; last: number }> {
	let query = db.selectFrom('audit_log').select((eb) => [eb.fn.min('id').as('first'), eb.fn.max('id').as('last')]);
	if (range.from) query = query.where('at', '>=', new Date(range.from).toISOString());
	if (range.to) query = query.where('at', '<', new Date(range.to).toISOString());
	const row = await query.executeTakeFirstOrThrow();
	return { first: row.first ?? 1, last: row.last ?? 0 };
}

/** The companion's key that signs exports: made on first use, its private half sealed. */
export async function signingKey(
	db: Db,
	secrets: SecretBox,
): Promise<{ publicKey: string; privateKey: crypto.KeyObject }> {
	let row = await db.selectFrom('audit_signing_key').selectAll().where('id', '=', 1).executeTakeFirst();
	if (!row) {
		const pair = crypto.generateKeyPairSync('ed25519');
		await db
			.insertInto('audit_signing_key')
			.values({
				id: 1,
				public_key: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
				private_key_sealed: secrets.seal(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
				created_at: new Date().toISOString(),
			})
			.onConflict((oc) => oc.column('id').doNothing())
			.execute();
		row = await db.selectFrom('audit_signing_key').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
	}
	return { publicKey: row.public_key, privateKey: crypto.createPrivateKey(secrets.open(row.private_key_sealed)) };
}

/** A key's fingerprint: the first 16 bytes of the SHA-256 of its DER form, in hex. */
export const keyIdOf = (publicKeyPem: string) =>
	crypto
		.createHash('sha256')
		.update(crypto.createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }))
		.digest('hex')
		.slice(0, 32);

export interface ExportCheck {
	valid: boolean;
	count: number;
	firstId: number | null;
	lastId: number | null;
	keyId: string | null;
	reason?: string;
}

/**
 * Checks an export on its own: every entry's hash, each linked to the one before with no id missing,
 * the lines' digest and count as the manifest says, and the manifest's signature by its key (compare
 * `keyId` with the companion's, GET /api/v1/audit/signing-key, to know it is the companion's).
 */
export function verifyAuditExport(text: string): ExportCheck {
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	const broken = (reason: string, keyId: string | null = null): ExportCheck => ({
		valid: false,
		count: 0,
		firstId: null,
		lastId: null,
		keyId,
		reason,
	});
	let signed: { manifest: ExportManifest; signature: string };
	try {
		signed = JSON.parse(lines.pop() ?? '');
	} catch {
		return broken('its last line is not a manifest');
	}
	const { manifest, signature } = signed ?? {};
	if (manifest?.format !== EXPORT_FORMAT || typeof signature !== 'string')
		return broken(`its last line is not a ${EXPORT_FORMAT} manifest`);
	const keyId = keyIdOf(manifest.publicKey);
	if (!crypto.verify(null, Buffer.from(JSON.stringify(manifest)), manifest.publicKey, Buffer.from(signature, 'base64')))
		return broken('the manifest’s signature does not match it', keyId);
	const digest = crypto.createHash('sha256');
	let previous: AuditRow | undefined;
	for (const [i, line] of lines.entries()) {
		digest.update(line + '\n');
		const row = parseRow(line);
		if (!row) return broken(`line ${i + 1} is not an audit entry`, keyId);
		if (entryHash(row) !== row.hash) return broken(`entry ${row.id} does not match its hash`, keyId);
		if (previous && (row.id !== previous.id + 1 || row.prev_hash !== previous.hash))
			return broken(`entry ${row.id} does not follow entry ${previous.id}`, keyId);
		if (i === 0 && row.prev_hash !== manifest.previousHash)
			return broken('the first entry does not link where the manifest says', keyId);
		previous = row;
	}
	if (lines.length !== manifest.count || digest.digest('hex') !== manifest.entriesSha256)
		return broken('the entries are not the ones the manifest signed', keyId);
	if ((previous?.hash ?? null) !== manifest.lastHash) return broken('the last entry is not the manifest’s', keyId);
	return { valid: true, count: lines.length, firstId: manifest.firstId, lastId: manifest.lastId, keyId };
}

function parseRow(line: string): AuditRow | undefined {
	try {
		const row = JSON.parse(line) as AuditRow;
		return typeof row?.id === 'number' && typeof row.hash === 'string' ? row : undefined;
	} catch {
		return undefined;
	}
}
