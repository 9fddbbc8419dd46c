/** Deliveries older (or newer) than this are refused, so a captured one cannot be replayed later. */
const TOLERANCE_SECONDS = 300;

const encode = (text: string) => new TextEncoder().encode(text);

/**
 * Whether `signatureHeader` ("sha256=<hex>") is the HMAC-SHA256 of "<timestamp>.<body>" under `secret`,
 * and the timestamp is recent. Web Crypto's verify compares in constant time.
 */
export async function isSignedDelivery(
	secret: string,
	timestampHeader: string | undefined,
	signatureHeader: string | undefined,
	body: string,
	nowSeconds: number,
): Promise<boolean> {
	const timestamp = Number(timestampHeader);
	const hex = /^sha256=([0-9a-f]{64})$/.exec(signatureHeader ?? '')?.[1];
	if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS || !hex) return false;
	const key = await crypto.subtle.importKey('raw', encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
		'verify',
	]);
	const mac = Uint8Array.from(hex.match(/../g)!, (byte) => parseInt(byte, 16));
	return crypto.subtle.verify('HMAC', key, mac, encode(`${timestamp}.${body}`));
}

/** A fresh random secret for a subscription. */
export function newSecret(): string {
	return [...crypto.getRandomValues(new Uint8Array(32))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
