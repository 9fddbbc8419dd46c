import type { FakeHandler } from './fake-n8n';

export interface FakeExecution {
	id: number;
	workflowId: string;
	status: string;
	mode: string;
	startedAt: string;
	stoppedAt: string | null;
	retryOf?: string | null;
	retrySuccessId?: string | null;
	/** What `includeData` adds: the run, node by node, and a failure's error. */
	data?: unknown;
}

/**
 * The execution endpoints of n8n's public API over an in-memory list (newest first, cursor pages of
 * `limit`, running ones left out of the list), for fast tests of the index's bookkeeping. Real n8n's behaviour is proven by the e2e suite.
 */
export interface FakeExecutions {
	executions: Map<number, FakeExecution>;
	/** Each request answered, as `METHOD path?query`. */
	requests: string[];
	add(...executions: FakeExecution[]): void;
	answer(method: string, url: URL): ReturnType<FakeHandler>;
}

export function fakeExecutions(initial: FakeExecution[] = []): FakeExecutions {
	const executions = new Map(initial.map((execution) => [execution.id, structuredClone(execution)]));
	const requests: string[] = [];
	const withData = (execution: FakeExecution, url: URL) =>
		url.searchParams.get('includeData') === 'true' ? execution : { ...execution, data: undefined };
	return {
		executions,
		requests,
		add: (...added) => added.forEach((execution) => executions.set(execution.id, structuredClone(execution))),
		answer(method, url) {
			requests.push(`${method} ${url.pathname}${url.search}`);
			const route = url.pathname.match(/^\/api\/v1\/executions(?:\/(\d+))?(?:\/(retry|stop))?$/);
			if (!route) return { status: 404, body: { message: 'Not Found' } };
			const [, id, verb] = route;
			if (!id) {
				const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 250);
				const cursor = url.searchParams.get('cursor');
				const lastId = cursor
					? (JSON.parse(Buffer.from(cursor, 'base64').toString()) as { lastId: number }).lastId
					: null;
				const status = url.searchParams.get('status');
				const listed = [...executions.values()]
					// As n8n does: what is running now is left out of the list (one by one, it is there).
					.filter((execution) => execution.status !== 'running')
					.filter((execution) => (lastId === null || execution.id < lastId) && (!status || execution.status === status))
					.sort((a, b) => b.id - a.id);
				const page = listed.slice(0, limit);
				const more = listed.length > limit;
				const next = more ? Buffer.from(JSON.stringify({ lastId: page.at(-1)!.id, limit })).toString('base64') : null;
				return { status: 200, body: { data: page.map((execution) => withData(execution, url)), nextCursor: next } };
			}
			const found = executions.get(Number(id));
			if (!found) return { status: 404, body: { message: 'Not Found' } };
			if (verb === 'retry' && method === 'POST') {
				const retry: FakeExecution = {
					...found,
					id: Math.max(...executions.keys()) + 1,
					status: 'success',
					mode: 'retry',
					retryOf: String(found.id),
					startedAt: new Date().toISOString(),
					stoppedAt: new Date().toISOString(),
					data: undefined,
				};
				executions.set(retry.id, retry);
				found.retrySuccessId = String(retry.id);
				return { status: 200, body: retry };
			}
			if (verb === 'stop' && method === 'POST') {
				if (found.status !== 'running' && found.status !== 'waiting')
					return { status: 409, body: { message: 'Only running or waiting executions can be stopped' } };
				Object.assign(found, { status: 'canceled', stoppedAt: new Date().toISOString() });
				return { status: 200, body: found };
			}
			return { status: 200, body: withData(found, url) };
		},
	};
}
