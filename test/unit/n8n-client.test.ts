import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { N8nClient } from '../../service/n8n/client';
import { N8nError } from '../../service/n8n/errors';
import { closedPort, type FakeHandler, startFakeN8n } from '../support/fake-n8n';

const API_KEY = 'n8n-secret-key-do-not-leak';

async function withFake(
	handler: FakeHandler,
	run: (client: N8nClient, fake: Awaited<ReturnType<typeof startFakeN8n>>) => Promise<void>,
) {
	const fake = await startFakeN8n(handler);
	try {
		await run(
			new N8nClient({ name: 'prod', baseUrl: fake.url, apiKey: API_KEY }, { timeoutMs: 500, retries: 2, backoffMs: 5 }),
			fake,
		);
	} finally {
		await fake.close();
	}
}

test('sends the API key header and reads JSON', async () => {
	await withFake(
		() => ({ status: 200, body: { id: '1' } }),
		async (client, fake) => {
			expect(await client.request('GET', '/workflows/1')).toEqual({ id: '1' });
			expect(fake.requests[0].headers['x-n8n-api-key']).toBe(API_KEY);
			expect(fake.requests[0].url.pathname).toBe('/api/v1/workflows/1');
		},
	);
});

test('pages follow nextCursor with limit 250', async () => {
	const all = Array.from({ length: 600 }, (_, i) => ({ id: String(i) }));
	await withFake(
		(_req, url) => {
			const offset = Number(url.searchParams.get('cursor') ?? 0);
			const limit = Number(url.searchParams.get('limit'));
			const next = offset + limit < all.length ? String(offset + limit) : null;
			return { status: 200, body: { data: all.slice(offset, offset + limit), nextCursor: next } };
		},
		async (client, fake) => {
			const items = await client.listAll<{ id: string }>('/workflows');
			expect(items).toEqual(all);
			expect(fake.requests.map((r) => r.url.searchParams.get('limit'))).toEqual(['250', '250', '250']);
			expect(fake.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, '250', '500']);
		},
	);
});

test('workflow pages: a workflow created or deleted while they are read shifts none twice and loses none', async () => {
	// As n8n does: the list is paged by offset, in id order.
	const original = Array.from({ length: 600 }, (_, i) => ({ id: `w${String(i).padStart(3, '0')}` }));
	let live = original;
	let listed = 0;
	await withFake(
		(_req, url) => {
			const id = url.pathname.match(/\/workflows\/(.+)$/)?.[1];
			if (id) {
				const workflow = live.find((w) => w.id === id);
				return workflow ? { status: 200, body: workflow } : { status: 404, body: { message: 'Not Found' } };
			}
			listed += 1;
			// Before the second page, one of the first is deleted: w250 slides back onto the first page.
			if (listed === 2) live = live.filter((w) => w.id !== 'w010');
			// Before the third, one is created at the front: w500 comes again at its start.
			if (listed === 3) live = [{ id: 'w000a' }, ...live];
			const offset = Number(url.searchParams.get('cursor') ?? 0);
			const next = offset + 250 < live.length ? String(offset + 250) : null;
			return { status: 200, body: { data: live.slice(offset, offset + 250), nextCursor: next } };
		},
		async (client, fake) => {
			const pages: string[][] = [];
			for await (const page of client.workflowPages(Promise.resolve(['w250', 'w400', 'w999'])))
				pages.push(page.map(({ item }) => item.id));
			const ids = pages.flat();
			expect([...ids].sort()).toEqual(original.map((w) => w.id));
			expect(pages.at(-1)).toEqual(['w250']);
			const askedById = fake.requests.map((r) => r.url.pathname).filter((path) => path !== '/api/v1/workflows');
			expect(askedById.sort()).toEqual(['/api/v1/workflows/w250', '/api/v1/workflows/w999']);
		},
	);
});

test.each([429, 502, 503])('retries GET on %i, then succeeds', async (status) => {
	let calls = 0;
	await withFake(
		() => (++calls < 3 ? { status, body: { message: 'busy' } } : { status: 200, body: { ok: true } }),
		async (client) => {
			expect(await client.request('GET', '/workflows')).toEqual({ ok: true });
			expect(calls).toBe(3);
		},
	);
});

test('gives up after the retries with the last error', async () => {
	await withFake(
		() => ({ status: 503, body: { message: 'down for maintenance' } }),
		async (client, fake) => {
			await expect(client.request('GET', '/workflows')).rejects.toThrow(
				'n8n "prod" was too busy to answer (or a proxy before it was) — HTTP 503: down for maintenance',
			);
			expect(fake.requests).toHaveLength(3);
		},
	);
});

test('a busy answer without JSON (a proxy’s 503 page) is busy, not “not n8n”', async () => {
	await withFake(
		() => ({ status: 503, raw: '<html>Service Unavailable</html>' }),
		async (client) => {
			await expect(client.request('GET', '/workflows')).rejects.toMatchObject({ kind: 'busy', status: 503 });
		},
	);
});

/**
 * A server whose first `stalls` answers send `partial` and never end, then answer `full`; `run` gets a
 * client with a 300 ms timeout and one retry, and the number of calls made so far.
 */
async function withStallingServer(
	{ stalls, partial, full }: { stalls: number; partial: string; full: string },
	run: (client: N8nClient, calls: () => number) => Promise<void>,
) {
	let calls = 0;
	const server = http.createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'application/json' });
		if (++calls <= stalls) res.write(partial);
		else res.end(full);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	try {
		const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		await run(
			new N8nClient({ name: 'prod', baseUrl, apiKey: API_KEY }, { timeoutMs: 300, retries: 1, backoffMs: 5 }),
			() => calls,
		);
	} finally {
		server.closeAllConnections();
		server.close();
	}
}

test('an answer that stalls half-way is a timeout, and is retried as one', async () => {
	await withStallingServer({ stalls: 2, partial: '{"data": [', full: '{"data": []}' }, async (client) => {
		await expect(client.request('GET', '/workflows')).rejects.toMatchObject({
			kind: 'timeout',
			message: 'n8n "prod" did not answer in time',
		});
		expect(await client.request('GET', '/workflows')).toEqual({ data: [] });
	});
});

test('a list page that stalls among its items is a timeout, and is asked again from its start', async () => {
	const page = { partial: '{"data":[{"id":"1"},{"id":', full: '{"data":[{"id":"1"},{"id":"2"}],"nextCursor":null}' };
	await withStallingServer({ stalls: 1, ...page }, async (client, calls) => {
		expect((await client.allWorkflows()).map(({ item }) => item)).toEqual([{ id: '1' }, { id: '2' }]);
		expect(calls()).toBe(2);
	});
});

test('a list page that is not JSON is not n8n', async () => {
	await withFake(
		() => ({ status: 200, raw: '{"data":[{"id":"1"},{"id":"2"]' }),
		async (client, fake) => {
			await expect(client.allWorkflows()).rejects.toMatchObject({
				kind: 'not_n8n',
				message: expect.stringContaining('HTTP 200 without JSON'),
			});
			expect(fake.requests).toHaveLength(1);
		},
	);
});

test('a signal ends the calls for a target, retries included, and its reason is the message', async () => {
	const cancel = new AbortController();
	await withFake(
		() => ({ status: 503, body: { message: 'busy' }, delayMs: 100 }),
		async (_client, fake) => {
			const client = new N8nClient(
				{ name: 'prod', baseUrl: fake.url, apiKey: API_KEY, signal: cancel.signal },
				{ timeoutMs: 5000, retries: 50, backoffMs: 50 },
			);
			setTimeout(() => cancel.abort(new Error('the check’s deadline of 1 s passed')), 250);
			await expect(client.request('GET', '/workflows')).rejects.toMatchObject({
				kind: 'timeout',
				message: 'n8n "prod" did not answer in time — the check’s deadline of 1 s passed',
			});
			const made = fake.requests.length;
			expect(made).toBeLessThan(4);
			await expect(client.request('GET', '/workflows')).rejects.toMatchObject({ kind: 'timeout' });
			expect(fake.requests).toHaveLength(made);
		},
	);
});

test('n8n’s own error text that echoes the API key is kept with the key taken out', async () => {
	await withFake(
		() => ({ status: 400, body: { message: `invalid key ${API_KEY} for this route` } }),
		async (client) => {
			await expect(client.request('PUT', '/workflows/1', { body: {} })).rejects.toMatchObject({
				message: 'n8n "prod" answered with an error — HTTP 400: invalid key [redacted] for this route',
			});
		},
	);
});

test('does not retry a POST on 5xx (it may have been applied), but does on 429', async () => {
	await withFake(
		() => ({ status: 500, body: {} }),
		async (client, fake) => {
			await expect(client.request('POST', '/workflows', { body: {} })).rejects.toThrow(N8nError);
			expect(fake.requests).toHaveLength(1);
		},
	);
	let calls = 0;
	await withFake(
		() => (++calls === 1 ? { status: 429, body: {} } : { status: 200, body: { id: 'new' } }),
		async (client) => expect(await client.request('POST', '/workflows', { body: {} })).toEqual({ id: 'new' }),
	);
});

test.each([
	[400, 'http'],
	[401, 'unauthorized'],
	[403, 'forbidden'],
	[404, 'http'],
])('HTTP %i is not retried and is classified %s', async (status, kind) => {
	await withFake(
		() => ({ status, body: { message: 'nope' } }),
		async (client, fake) => {
			const error = await client.request('GET', '/workflows/9').catch((e: N8nError) => e);
			expect(error).toBeInstanceOf(N8nError);
			expect((error as N8nError).kind).toBe(kind);
			expect((error as N8nError).status).toBe(status);
			expect(fake.requests).toHaveLength(1);
		},
	);
});

describe('probe (test connection)', () => {
	const probe = (baseUrl: string) =>
		new N8nClient({ name: 'prod', baseUrl, apiKey: API_KEY }, { timeoutMs: 300 }).probe();

	test('reports version and success', async () => {
		await withFake(
			(_req, url) =>
				url.pathname === '/rest/settings'
					? { status: 200, body: { data: { versionCli: '2.40.7' } } }
					: { status: 200, body: { data: [], nextCursor: null } },
			async (_client, fake) => {
				expect(await probe(fake.url)).toEqual({
					ok: true,
					reachable: true,
					authenticated: true,
					version: '2.40.7',
					errorKind: null,
					message: 'Connected to n8n 2.40.7',
				});
			},
		);
	});

	test.each([
		[
			'wrong key',
			{ status: 401, body: { message: 'unauthorized' } },
			'unauthorized',
			true,
			/rejected the API key \(401\)/,
		],
		[
			'missing scope',
			{ status: 403, body: { message: 'Forbidden' } },
			'forbidden',
			true,
			/does not allow the API key to do this \(403\)/,
		],
		['an HTML page', { status: 200, raw: '<html>hello</html>' }, 'not_n8n', true, /not as n8n’s public API does/],
		['a JSON 404', { status: 404, body: { error: 'no route' } }, 'not_n8n', true, /not as n8n’s public API does/],
		[
			'JSON without a workflow list',
			{ status: 200, body: { hello: 'world' } },
			'not_n8n',
			true,
			/holds no workflow list/,
		],
		['a slow server', { status: 200, body: { data: [] }, delayMs: 1000 }, 'timeout', false, /did not answer in time/],
	])('%s', async (_name, answer, kind, reachable, message) => {
		await withFake(
			() => answer,
			async (_client, fake) => {
				const report = await probe(fake.url);
				expect(report).toMatchObject({ ok: false, reachable, authenticated: false, errorKind: kind });
				expect(report.message).toMatch(message);
				expect(report.message).not.toContain(API_KEY);
			},
		);
	});

	test('nothing listening: refused', async () => {
		const report = await probe(`http://127.0.0.1:${await closedPort()}`);
		expect(report).toMatchObject({ ok: false, reachable: false, errorKind: 'refused' });
		expect(report.message).toMatch(/refused the connection: is n8n running/);
	});

	test('a host that does not resolve: dns', async () => {
		const report = await probe('http://no-such-host.invalid');
		expect(report).toMatchObject({ ok: false, reachable: false, errorKind: 'dns' });
		expect(report.message).toMatch(/does not resolve/);
	});
});

test('the version comes from the editor page when the settings do not give it (n8n 2.x)', async () => {
	const meta = Buffer.from(JSON.stringify({ dsn: '', environment: 'production', release: 'n8n@2.40.7' })).toString(
		'base64',
	);
	await withFake(
		(_req, url) => {
			if (url.pathname === '/rest/settings') return { status: 200, body: { data: { settingsMode: 'public' } } };
			if (url.pathname === '/')
				return { status: 200, raw: `<html><head><meta name="n8n:config:sentry" content="${meta}"></head></html>` };
			return { status: 200, body: { data: [] } };
		},
		async (client) => expect(await client.version()).toBe('2.40.7'),
	);
	await withFake(
		() => ({ status: 404, body: {} }),
		async (client) => expect(await client.version()).toBeNull(),
	);
});

test('a 409 that asks to try again is retried (2.x right after unpublishing)', async () => {
	let calls = 0;
	await withFake(
		() =>
			++calls < 3
				? { status: 409, body: { message: 'Workflow is still being unpublished. Please try again in a few moments.' } }
				: { status: 200, body: {} },
		async (client) => {
			await client.request('DELETE', '/workflows/1');
			expect(calls).toBe(3);
		},
	);
	await withFake(
		() => ({ status: 409, body: { message: 'A workflow with this name exists' } }),
		async (client, fake) => {
			await expect(client.request('DELETE', '/workflows/1')).rejects.toThrow('HTTP 409');
			expect(fake.requests).toHaveLength(1);
		},
	);
});

test('a delete waits out an unpublishing workflow even where a client retries nothing else', async () => {
	const fake = await startFakeN8n(() =>
		fake.requests.length < 5
			? { status: 409, body: { message: 'Workflow is still being unpublished. Please try again in a few moments.' } }
			: { status: 200, body: {} },
	);
	try {
		const client = new N8nClient({ name: 'prod', baseUrl: fake.url, apiKey: API_KEY }, { retries: 0, backoffMs: 1 });
		await client.deleteWorkflow('wf-1');
		// Four refusals, then the delete.
		expect(fake.requests).toHaveLength(5);
	} finally {
		await fake.close();
	}
});

test('writes to one instance go one at a time; reads do not wait', async () => {
	let inFlight = 0;
	let most = 0;
	await withFake(
		(req) => {
			if (req.method === 'GET') return { status: 200, body: { inFlight } };
			inFlight++;
			most = Math.max(most, inFlight);
			setTimeout(() => inFlight--, 40);
			return { status: 200, body: {}, delayMs: 40 };
		},
		async (client) => {
			const writes = Promise.all(Array.from({ length: 5 }, () => client.request('POST', '/workflows', { body: {} })));
			await new Promise((resolve) => setTimeout(resolve, 10));
			expect(await client.request('GET', '/workflows')).toEqual({ inFlight: 1 });
			await writes;
			expect(most).toBe(1);
		},
	);
});

test('a failed write does not block the ones after it', async () => {
	let calls = 0;
	await withFake(
		() => (++calls === 1 ? { status: 400, body: { message: 'bad' } } : { status: 200, body: { ok: true } }),
		async (client) => {
			const [first, second] = await Promise.allSettled([
				client.request('POST', '/a', { body: {} }),
				client.request('POST', '/b', { body: {} }),
			]);
			expect(first.status).toBe('rejected');
			expect(second).toEqual({ status: 'fulfilled', value: { ok: true } });
		},
	);
});
