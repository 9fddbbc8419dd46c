import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeHandler = (
	req: http.IncomingMessage,
	url: URL,
	body: string,
) => { status: number; body?: unknown; raw?: string; delayMs?: number; headers?: Record<string, string> };

/**
 * A stand-in for an n8n instance, for fast unit tests of the client's edge cases (errors, retries,
 * paging). It proves nothing about real n8n: the e2e suite does that.
 */
export async function startFakeN8n(handler: FakeHandler): Promise<{
	url: string;
	requests: Array<{ method: string; url: URL; headers: http.IncomingHttpHeaders }>;
	close: () => Promise<void>;
}> {
	const requests: Array<{ method: string; url: URL; headers: http.IncomingHttpHeaders }> = [];
	const server = http.createServer(async (req, res) => {
		let body = '';
		for await (const chunk of req) body += chunk;
		const url = new URL(req.url ?? '/', 'http://fake');
		requests.push({ method: req.method ?? 'GET', url, headers: req.headers });
		const answer = handler(req, url, body);
		if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
		if (res.destroyed) return;
		const isRaw = answer.raw !== undefined;
		res.writeHead(answer.status, { 'Content-Type': isRaw ? 'text/html' : 'application/json', ...answer.headers });
		res.end(isRaw ? answer.raw : JSON.stringify(answer.body ?? {}));
	});
	server.listen(0, '127.0.0.1');
	await new Promise((resolve) => server.once('listening', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		close: () => {
			server.closeAllConnections();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

/** A port on loopback that nothing listens on. */
export async function closedPort(): Promise<number> {
	const server = http.createServer();
	server.listen(0, '127.0.0.1');
	await new Promise((resolve) => server.once('listening', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}
