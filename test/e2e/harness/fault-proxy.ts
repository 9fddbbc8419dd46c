import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of a real n8n that answers some calls itself with a 400, as n8n does when
 * it refuses a write; `hold` calls reach n8n but their answer never comes back (a write sent whose
 * answer is lost); everything else goes through untouched, each once `before` it has settled (what
 * others do to n8n meanwhile).
 */
export async function startFaultProxy(
	target: string,
	refuse: (method: string, path: string) => boolean,
	hold: (method: string, path: string) => boolean = () => false,
	before: (method: string, path: string) => Promise<void> = async () => undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
	const upstream = new URL(target);
	const server = http.createServer(async (req, res) => {
		await before(req.method ?? 'GET', req.url ?? '/');
		if (refuse(req.method ?? 'GET', req.url ?? '/')) {
			req.resume();
			res.writeHead(400, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ message: 'refused by the test proxy' }));
			return;
		}
		const held = hold(req.method ?? 'GET', req.url ?? '/');
		const forwarded = http.request(
			new URL(req.url ?? '/', upstream),
			{ method: req.method, headers: { ...req.headers, host: upstream.host } },
			(answer) => {
				if (held) return void answer.resume();
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		forwarded.on('error', () => res.destroy());
		req.pipe(forwarded);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
