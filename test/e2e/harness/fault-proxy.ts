import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of a real n8n that answers some calls itself with a 400, as n8n does when
 * it refuses a write; everything else goes through untouched.
 */
export async function startFaultProxy(
	target: string,
	refuse: (method: string, path: string) => boolean,
): Promise<{ url: string; close: () => Promise<void> }> {
	const upstream = new URL(target);
	const server = http.createServer((req, res) => {
		if (refuse(req.method ?? 'GET', req.url ?? '/')) {
			req.resume();
			res.writeHead(400, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ message: 'refused by the test proxy' }));
			return;
		}
		const forwarded = http.request(
			new URL(req.url ?? '/', upstream),
			{ method: req.method, headers: { ...req.headers, host: upstream.host } },
			(answer) => {
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
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}
