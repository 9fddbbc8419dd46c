import { setTimeout as sleep } from 'node:timers/promises';
import { N8nError, transportFailure } from './errors';
import { parseJson } from '../json';
import { type Listed, listedOf, type ListPage, readListPage } from './list-page';
import { RequestSlots } from './request-slots';
import { type N8nWorkflow, type WorkflowInput, type WritableWorkflow, writableBody } from './workflow-body';

export interface N8nTarget {
	/** The environment's name, used in error messages. */
	name: string;
	baseUrl: string;
	apiKey: string;
	/**
	 * Ends every call made for this target, retries included (a scheduled check's deadline, a
	 * shutdown); its reason says why.
	 */
	signal?: AbortSignal;
}

export interface N8nClientOptions {
	timeoutMs?: number;
	/** Further attempts after the first, for 429, 5xx (idempotent methods) and network errors. */
	retries?: number;
	backoffMs?: number;
	/** Shared with every client of the same instance: bounds the calls in flight to it. */
	slots?: RequestSlots;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
	query?: Query;
	body?: unknown;
	retries?: number;
	/** Reads a successful answer's body as it streams in, instead of parsing it once it is all in. */
	read?: (body: AsyncIterable<Uint8Array>) => Promise<unknown>;
}

export interface ConnectionReport {
	ok: boolean;
	reachable: boolean;
	authenticated: boolean;
	version: string | null;
	errorKind: N8nError['kind'] | null;
	message: string;
}

export interface N8nTag {
	id: string;
	name: string;
}

/** An execution as n8n's public API lists it; `data` only when asked for. */
export interface N8nExecution {
	id: string | number;
	workflowId: string | number;
	status?: string;
	finished?: boolean;
	mode?: string;
	startedAt?: string | null;
	stoppedAt?: string | null;
	createdAt?: string | null;
	retryOf?: string | number | null;
	retrySuccessId?: string | number | null;
	waitTill?: string | null;
	data?: unknown;
}

export const PAGE_SIZE = 250;
/** Calls in flight to one instance when nothing else is said (WORKFLOWOPS_N8N_CONCURRENCY). */
export const DEFAULT_CONCURRENCY = 4;
/** Enough for n8n to stop a workflow's triggers: 250 ms doubled five times, about 8 s. */
const UNPUBLISHING_RETRIES = 5;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Answers of an n8n (or the proxy before it) too busy to serve the call now. */
const BUSY = new Set([429, 502, 503, 504]);

/** Typed client of one n8n instance's public REST API (`<baseUrl>/api/v1`). */
export class N8nClient {
	private readonly timeoutMs: number;
	private readonly retries: number;
	private readonly backoffMs: number;
	private readonly slots: RequestSlots;
	private major: Promise<1 | 2> | undefined;
	private writes: Promise<unknown> = Promise.resolve();

	constructor(
		private readonly target: N8nTarget,
		options: N8nClientOptions = {},
	) {
		this.timeoutMs = options.timeoutMs ?? 15_000;
		this.retries = options.retries ?? 3;
		this.backoffMs = options.backoffMs ?? 250;
		this.slots = options.slots ?? new RequestSlots(DEFAULT_CONCURRENCY);
	}

	/**
	 * One call, retried as `retries` allows. Writes go one at a time: n8n 1.x on SQLite loses its
	 * transaction state ("no such savepoint") under concurrent writes and then fails every later one.
	 */
	async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
		if (method === 'GET') return this.requestWithRetries<T>(method, path, options);
		const result = this.writes.then(() => this.requestWithRetries<T>(method, path, options));
		this.writes = result.catch(() => undefined);
		return result;
	}

	private async requestWithRetries<T>(method: string, path: string, options: RequestOptions): Promise<T> {
		const retries = options.retries ?? this.retries;
		for (let attempt = 0; ; attempt++) {
			try {
				return await this.slots.run(() => this.attempt<T>(method, path, options));
			} catch (error) {
				const retryable =
					error instanceof N8nError &&
					error.retryable &&
					(error.status === undefined || error.status === 429 || error.status === 409 || IDEMPOTENT.has(method)) &&
					error.kind !== 'dns';
				if (!retryable || attempt >= retries || this.target.signal?.aborted) throw error;
				await sleep(this.backoffMs * 2 ** attempt * (1 + Math.random() / 2), undefined, {
					signal: this.target.signal,
				}).catch(() => undefined);
			}
		}
	}

	/**
	 * Every page of a cursor-paginated list endpoint, PAGE_SIZE items at a time, each item with the JSON
	 * text n8n sent for it: a page's items are parsed as its body streams in.
	 */
	listed<T>(path: string, query: Query = {}): AsyncGenerator<Array<Listed<T>>> {
		return this.paginate(
			path,
			query,
			(body) => readListPage<T>(body),
			(page: ListPage<T>) => page.items,
		);
	}

	/** Every page of a cursor-paginated list endpoint, PAGE_SIZE items at a time, each parsed once it is in. */
	pages<T>(path: string, query: Query = {}): AsyncGenerator<T[]> {
		type Page = { data: T[]; nextCursor?: string | null };
		return this.paginate(path, query, undefined, (page: Page) => page.data);
	}

	/** Pages one after another: the next is asked for the moment a page is in, and served while the caller works. */
	private async *paginate<P extends { nextCursor?: string | null }, I>(
		path: string,
		query: Query,
		read: RequestOptions['read'],
		itemsOf: (page: P) => I[],
	): AsyncGenerator<I[]> {
		const fetchPage = (cursor?: string) =>
			this.request<P>('GET', path, { query: { ...query, limit: PAGE_SIZE, cursor }, read });
		let next: Promise<P> | undefined = fetchPage();
		while (next) {
			const page: P = await next;
			next = page.nextCursor ? fetchPage(page.nextCursor) : undefined;
			// A prefetched page that fails while the caller has stopped early must not go unhandled.
			next?.catch(() => undefined);
			yield itemsOf(page);
		}
	}

	async listAll<T>(path: string, query: Query = {}): Promise<T[]> {
		const items: T[] = [];
		for await (const page of this.pages<T>(path, query)) items.push(...page);
		return items;
	}

	/**
	 * Every workflow, a page at a time, each with the JSON text n8n sent. n8n pages this list by offset in
	 * id order, so a workflow created or deleted while it is read shifts the pages after it: one comes
	 * twice (the second is left out) or one is skipped. Each of `expected` the pages did not bring is then
	 * asked for by id, and comes in a last page if n8n still has it.
	 */
	async *workflowPages(
		expected: Iterable<string> | PromiseLike<Iterable<string>> = [],
	): AsyncGenerator<Array<Listed<N8nWorkflow>>> {
		const seen = new Set<string>();
		const firstTime = (id: string) => !seen.has(id) && Boolean(seen.add(id));
		for await (const page of this.listed<N8nWorkflow>('/workflows'))
			yield page.filter(({ item }) => firstTime(item.id));
		const skipped = [...(await expected)].filter((id) => !seen.has(id));
		if (!skipped.length) return;
		const found = await Promise.all(skipped.map((id) => this.getWorkflowIfAny(id)));
		yield found.filter((workflow) => workflow !== undefined).map(listedOf);
	}

	/** Every workflow, as `workflowPages` reads them. */
	async allWorkflows(expected: Iterable<string> = []): Promise<Array<Listed<N8nWorkflow>>> {
		const workflows: Array<Listed<N8nWorkflow>> = [];
		for await (const page of this.workflowPages(expected)) workflows.push(...page);
		return workflows;
	}

	/** Every workflow, as `workflowPages` reads them, without the text n8n sent. */
	async listWorkflows(expected: Iterable<string> = []): Promise<N8nWorkflow[]> {
		return (await this.allWorkflows(expected)).map(({ item }) => item);
	}

	async getWorkflow(id: string): Promise<N8nWorkflow> {
		return this.request<N8nWorkflow>('GET', `/workflows/${encodeURIComponent(id)}`);
	}

	/** The workflow, or undefined when n8n has none of that id. */
	async getWorkflowIfAny(id: string): Promise<N8nWorkflow | undefined> {
		try {
			return await this.getWorkflow(id);
		} catch (error) {
			if (error instanceof N8nError && error.status === 404) return undefined;
			throw error;
		}
	}

	/** What of `workflow` this n8n version's API lets us write: what is sent, and what a read-back is checked on. */
	async writable(workflow: WorkflowInput): Promise<WritableWorkflow> {
		return writableBody(workflow, await this.majorVersion());
	}

	/** Creates a workflow from an export, cleaned of what this n8n version's API refuses. */
	async createWorkflow(workflow: WorkflowInput): Promise<N8nWorkflow> {
		return this.request<N8nWorkflow>('POST', '/workflows', { body: await this.writable(workflow) });
	}

	async updateWorkflow(id: string, workflow: WorkflowInput): Promise<N8nWorkflow> {
		const body = await this.writable(workflow);
		return this.request<N8nWorkflow>('PUT', `/workflows/${encodeURIComponent(id)}`, { body });
	}

	/** n8n 2.x refuses (409, "try again") to delete a workflow it is still unpublishing: it is asked again. */
	async deleteWorkflow(id: string): Promise<void> {
		await this.request<unknown>('DELETE', `/workflows/${encodeURIComponent(id)}`, {
			retries: Math.max(this.retries, UNPUBLISHING_RETRIES),
		});
	}

	/** n8n 2.20 and later: the workflow leaves the list but can come back (unarchive). */
	async archiveWorkflow(id: string, archived: boolean): Promise<void> {
		await this.request<unknown>('POST', `/workflows/${encodeURIComponent(id)}/${archived ? 'archive' : 'unarchive'}`);
	}

	async listTags(): Promise<N8nTag[]> {
		return this.listAll<N8nTag>('/tags');
	}

	async createTag(name: string): Promise<N8nTag> {
		return this.request<N8nTag>('POST', '/tags', { body: { name } });
	}

	async renameTag(id: string, name: string): Promise<N8nTag> {
		return this.request<N8nTag>('PUT', `/tags/${encodeURIComponent(id)}`, { body: { name } });
	}

	/** Sets a workflow's tags (by the target's tag ids): n8n keeps them apart from the workflow body. */
	async setWorkflowTags(id: string, tagIds: string[]): Promise<void> {
		await this.request<unknown>('PUT', `/workflows/${encodeURIComponent(id)}/tags`, {
			body: tagIds.map((tagId) => ({ id: tagId })),
		});
	}

	/** The instance's own security audit (risky nodes, unused credentials, abandoned workflows…). */
	async securityAudit(): Promise<unknown> {
		return this.request('POST', '/audit', { body: {} });
	}

	/** n8n 2.x tests a stored credential with its own data (the secret never leaves n8n). */
	async testCredential(id: string): Promise<{ status: 'OK' | 'Error'; message: string }> {
		return this.request('POST', `/credentials/${encodeURIComponent(id)}/test`);
	}

	/** Executions, newest first, a page at a time; without their data unless asked. */
	executions(query: { status?: string; workflowId?: string; includeData?: boolean } = {}) {
		return this.pages<N8nExecution>('/executions', { includeData: false, ...query });
	}

	async getExecution(id: string, includeData: boolean): Promise<N8nExecution> {
		return this.request<N8nExecution>('GET', `/executions/${encodeURIComponent(id)}`, { query: { includeData } });
	}

	/** Runs a finished execution again (n8n makes a new one, its retryOf the old). */
	async retryExecution(id: string): Promise<N8nExecution> {
		return this.request<N8nExecution>('POST', `/executions/${encodeURIComponent(id)}/retry`, { body: {} });
	}

	/** Stops a running or waiting execution (n8n 2.x). */
	async stopExecution(id: string): Promise<N8nExecution> {
		return this.request<N8nExecution>('POST', `/executions/${encodeURIComponent(id)}/stop`);
	}

	/** Turns a workflow on or off: activate/deactivate on n8n 1.x, publish/unpublish on 2.x. */
	async setActive(id: string, active: boolean): Promise<void> {
		const verb =
			(await this.majorVersion()) === 2 ? (active ? 'publish' : 'unpublish') : active ? 'activate' : 'deactivate';
		await this.request<unknown>('POST', `/workflows/${encodeURIComponent(id)}/${verb}`);
	}

	/** 1 or 2, asked once; an instance that does not say is treated as 1.x, whose API 2.x also accepts. */
	majorVersion(): Promise<1 | 2> {
		this.major ??= this.version().then((version) => (version && Number(version.split('.')[0]) >= 2 ? 2 : 1));
		return this.major;
	}

	/** Test connection: reachable, authenticated, n8n version. Never throws; one attempt, no retries. */
	async probe(): Promise<ConnectionReport> {
		const endpoint = 'GET /api/v1/workflows';
		let body: { data?: unknown };
		try {
			body = await this.request('GET', '/workflows', { query: { limit: 1 }, retries: 0 });
		} catch (error) {
			const failure = error instanceof N8nError ? error : new N8nError('network', this.target.name, endpoint);
			// A JSON 404 on the workflow list means some other API lives at this URL.
			const notN8n = failure.kind === 'http' && failure.status === 404;
			return failedReport(notN8n ? new N8nError('not_n8n', this.target.name, endpoint, 'HTTP 404', 404) : failure);
		}
		if (!Array.isArray(body?.data)) {
			return failedReport(new N8nError('not_n8n', this.target.name, endpoint, 'the answer holds no workflow list'));
		}
		const version = await this.version();
		return {
			ok: true,
			reachable: true,
			authenticated: true,
			version,
			errorKind: null,
			message: `Connected to n8n${version ? ` ${version}` : ''}`,
		};
	}

	/**
	 * n8n's version, or null if it does not say. 1.x gives `versionCli` in its public front-end settings;
	 * 2.x gives it there only to signed-in users, but its editor page names the release in the
	 * `n8n:config:sentry` meta tag.
	 */
	async version(): Promise<string | null> {
		const settings = await this.fetchText('/rest/settings');
		const versionCli = (parseJson(settings ?? '') as { data?: { versionCli?: unknown } } | undefined)?.data?.versionCli;
		if (typeof versionCli === 'string') return versionCli;
		const page = await this.fetchText('/');
		const meta = page?.match(/<meta name="n8n:config:sentry" content="([^"]+)"/)?.[1];
		const release = meta
			? (parseJson(Buffer.from(meta, 'base64').toString('utf8')) as { release?: unknown })?.release
			: undefined;
		return typeof release === 'string' ? release.replace(/^n8n@/, '') : null;
	}

	private async fetchText(path: string): Promise<string | undefined> {
		try {
			const response = await fetch(`${this.target.baseUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
			return response.ok ? await response.text() : undefined;
		} catch {
			return undefined;
		}
	}

	/** n8n's own words with the API key taken out, should n8n echo it (they are kept and shown). */
	private redact(text: string): string {
		const { apiKey } = this.target;
		return apiKey.length >= 8 ? text.replaceAll(apiKey, '[redacted]') : text;
	}

	private async attempt<T>(method: string, path: string, options: RequestOptions): Promise<T> {
		const url = new URL(`${this.target.baseUrl}/api/v1${path}`);
		for (const [key, value] of Object.entries(options.query ?? {})) {
			if (value !== undefined) url.searchParams.set(key, String(value));
		}
		const endpoint = `${method} /api/v1${path}`;
		const { signal } = this.target;
		const ended = () => {
			const reason = signal?.reason as unknown;
			return new N8nError('timeout', this.target.name, endpoint, reason instanceof Error ? reason.message : undefined);
		};
		if (signal?.aborted) throw ended();
		// One controller per attempt, ended by its timeout or by the target's signal.
		const abort = new AbortController();
		const timer = setTimeout(() => abort.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
		const end = () => abort.abort(signal?.reason);
		signal?.addEventListener('abort', end, { once: true });
		// Settles the moment the attempt is aborted, whether or not fetch (or its body) notices: under load,
		// an aborted fetch was seen never to settle, and a schedule turned off waited on it for ever.
		const aborted = new Promise<never>((_resolve, reject) =>
			abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true }),
		);
		aborted.catch(() => undefined);
		let response: Response;
		let text: string;
		try {
			const sent = fetch(url, {
				method,
				headers: {
					'X-N8N-API-KEY': this.target.apiKey,
					Accept: 'application/json',
					...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
				},
				body: options.body === undefined ? undefined : JSON.stringify(options.body),
				signal: abort.signal,
			});
			sent.catch(() => undefined); // when the abort wins the race, fetch's own rejection comes later
			response = await Promise.race([sent, aborted]);
			if (response.ok && response.body && options.read) {
				const { status } = response;
				const read = options.read(response.body).catch((error: unknown) => {
					if (!(error instanceof SyntaxError)) throw error;
					throw new N8nError('not_n8n', this.target.name, endpoint, `HTTP ${status} without JSON`);
				});
				read.catch(() => undefined);
				return (await Promise.race([read, aborted])) as T;
			}
			// A body that stalls half-way is a timeout (or a cut connection), not a body without JSON.
			const body = response.text();
			body.catch(() => undefined);
			text = await Promise.race([body, aborted]);
		} catch (error) {
			if (signal?.aborted) throw ended();
			if (error instanceof N8nError) throw error;
			const { kind, reason } = transportFailure(error);
			throw new N8nError(kind, this.target.name, endpoint, reason && this.redact(reason));
		} finally {
			clearTimeout(timer);
			signal?.removeEventListener('abort', end);
		}
		const body = parseJson(text);
		if (response.ok) {
			if (body === undefined)
				throw new N8nError('not_n8n', this.target.name, endpoint, `HTTP ${response.status} without JSON`);
			return body as T;
		}
		const detail = this.redact(`HTTP ${response.status}${messageOf(body)}`);
		// n8n's public API takes its key in X-N8N-API-KEY: an API that asks for a bearer token is another one
		// (WorkflowOps itself, say, its address given for n8n's).
		if (response.status === 401 && /^bearer/i.test(response.headers.get('www-authenticate') ?? ''))
			throw new N8nError('not_n8n', this.target.name, endpoint, 'HTTP 401 asking for a bearer token', 401);
		if (response.status === 401) throw new N8nError('unauthorized', this.target.name, endpoint, undefined, 401);
		if (response.status === 403) throw new N8nError('forbidden', this.target.name, endpoint, undefined, 403);
		if (BUSY.has(response.status)) throw new N8nError('busy', this.target.name, endpoint, detail, response.status);
		if (body === undefined) throw new N8nError('not_n8n', this.target.name, endpoint, detail, response.status);
		throw new N8nError('http', this.target.name, endpoint, detail, response.status);
	}
}

function failedReport(failure: N8nError): ConnectionReport {
	return {
		ok: false,
		reachable: !['dns', 'refused', 'timeout', 'network'].includes(failure.kind),
		authenticated: false,
		version: null,
		errorKind: failure.kind,
		message: failure.message,
	};
}

function messageOf(body: unknown): string {
	const message = (body as { message?: unknown } | undefined)?.message;
	return typeof message === 'string' ? `: ${message.slice(0, 300)}` : '';
}
