import dns from 'node:dns/promises';
import net from 'node:net';

/** Loopback, link-local, private (RFC 1918, CGNAT) and unique-local addresses: this machine's network. */
const PRIVATE = new net.BlockList();
for (const [address, prefix] of [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.168.0.0', 16],
] as const)
	PRIVATE.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [
	['::', 127],
	['fc00::', 7],
	['fe80::', 10],
] as const)
	PRIVATE.addSubnet(address, prefix, 'ipv6');

/** The private or loopback address the URL's host is or resolves to, if it has one. */
export async function privateAddressOf(url: string): Promise<string | undefined> {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	const addresses = net.isIP(host)
		? [host]
		: (await dns.lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
	return addresses.find(isPrivate);
}

function isPrivate(address: string): boolean {
	const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
	if (mapped || net.isIPv4(address)) return PRIVATE.check(mapped ?? address, 'ipv4');
	return PRIVATE.check(address, 'ipv6');
}
