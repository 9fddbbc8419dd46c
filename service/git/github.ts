import crypto from 'node:crypto';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

const GitHubOctokit = Octokit.plugin(retry, throttling);

export interface GitTarget {
	/** https://api.github.com, or a GitHub Enterprise Server's /api/v3. */
	apiUrl: string;
	owner: string;
	repo: string;
	branch: string;
	token: string;
}

export interface GitHubOptions {
	/** Retries of a rate-limited request (and of 5xx answers, by octokit's retry plugin). */
	retries?: number;
	/** octokit's throttling: writes at most one a second, as GitHub asks. Off only in fast tests. */
	throttle?: boolean;
}

export type GitHubErrorKind =
	'unreachable' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'empty' | 'http';

/** A GitHub failure in words a person can act on; never holds the token. */
export class GitHubError extends Error {
	constructor(
		readonly kind: GitHubErrorKind,
		message: string,
		readonly status?: number,
		/** The technical detail behind the message (e.g. the socket error), never the token. */
		readonly details?: string,
	) {
		super(message);
	}
}

export interface CommitResult {
	/** The new commit, or the branch head when nothing changed. */
	commitSha: string;
	url: string;
	changed: number;
	deleted: number;
	unchanged: boolean;
}

/**
 * Changed files are uploaded as blobs up to this many; beyond it, the rest go inline in the tree,
 * which GitHub turns into blobs itself: GitHub asks for at most one write a second and 500
 * content-creating requests an hour, so a first push of 1,000 workflows cannot be 1,000 blob calls.
 */
const BLOB_UPLOADS = 10;

/** The git data API of one repository branch: one commit per call to `commitFiles`. */
export class GitHubRepo {
	private readonly octokit: InstanceType<typeof GitHubOctokit>;
	private readonly where: { owner: string; repo: string };

	constructor(
		private readonly target: GitTarget,
		options: GitHubOptions = {},
	) {
		const retries = options.retries ?? 2;
		const retryWhileAllowed = (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
			retryCount < retries;
		this.octokit = new GitHubOctokit({
			auth: target.token,
			baseUrl: target.apiUrl,
			userAgent: 'workflowops',
			request: { retries, fetch: fetchWithCause },
			retry: { enabled: retries > 0 },
			throttle: {
				enabled: options.throttle ?? true,
				onRateLimit: retryWhileAllowed,
				onSecondaryRateLimit: retryWhileAllowed,
			},
		});
		this.where = { owner: target.owner, repo: target.repo };
	}

	/**
	 * Test connection: the repository is readable, the token may push, and the branch exists. One
	 * attempt each, so a person waiting on the button hears at once.
	 */
	async test(): Promise<{ ok: boolean; message: string; details?: string }> {
		const once = { request: { retries: 0 } };
		try {
			const { data } = await this.call(() =>
				this.octokit.request('GET /repos/{owner}/{repo}', { ...this.where, ...once }),
			);
			if (!data.permissions?.push)
				return { ok: false, message: `The token can read ${data.full_name} but may not push to it` };
			await this.head(once);
			return { ok: true, message: `Connected to ${data.full_name}, branch ${this.target.branch}` };
		} catch (error) {
			if (error instanceof GitHubError) return { ok: false, message: error.message, details: error.details };
			throw error;
		}
	}

	/**
	 * Makes `prefix` hold exactly `files` (paths relative to it) in one commit on the branch. Files
	 * whose content is already there are not sent. When the branch moves while the commit is made,
	 * it is made again once on the new head.
	 */
	async commitFiles(prefix: string, files: Map<string, string>, message: string): Promise<CommitResult> {
		try {
			return await this.commitOnce(prefix, files, message);
		} catch (error) {
			if (!(error instanceof GitHubError && error.kind === 'conflict')) throw error;
			return this.commitOnce(prefix, files, message);
		}
	}

	/** Every file under `prefix` at `ref` (a branch, tag or commit sha), by its path relative to it. */
	async readFiles(ref: string, prefix: string): Promise<Map<string, string>> {
		const { data: commit } = await this.call(() =>
			this.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', { ...this.where, ref }),
		);
		const entries = await this.blobsUnder(commit.commit.tree.sha, prefix);
		const files = new Map<string, string>();
		for (const [path, sha] of entries) {
			const { data } = await this.call(() =>
				this.octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { ...this.where, file_sha: sha }),
			);
			files.set(path, Buffer.from(data.content, 'base64').toString('utf8'));
		}
		return files;
	}

	private async commitOnce(prefix: string, files: Map<string, string>, message: string): Promise<CommitResult> {
		const head = await this.head();
		const { data: base } = await this.call(() =>
			this.octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...this.where, commit_sha: head }),
		);
		const existing = await this.blobsUnder(base.tree.sha, prefix);
		const changed = [...files].filter(([path, content]) => existing.get(path) !== gitBlobSha(content));
		const deleted = [...existing.keys()].filter((path) => !files.has(path));
		if (!changed.length && !deleted.length)
			return { commitSha: head, url: this.commitUrl(head), changed: 0, deleted: 0, unchanged: true };

		const tree: Array<{ path: string; mode: '100644'; type: 'blob'; sha?: string | null; content?: string }> = [];
		for (const [index, [path, content]] of changed.entries()) {
			const entry = { path: prefix + path, mode: '100644' as const, type: 'blob' as const };
			if (index >= BLOB_UPLOADS) {
				tree.push({ ...entry, content });
				continue;
			}
			const { data: blob } = await this.call(() =>
				this.octokit.request('POST /repos/{owner}/{repo}/git/blobs', { ...this.where, content, encoding: 'utf-8' }),
			);
			tree.push({ ...entry, sha: blob.sha });
		}
		for (const path of deleted)
			tree.push({ path: prefix + path, mode: '100644' as const, type: 'blob' as const, sha: null });
		const { data: newTree } = await this.call(() =>
			this.octokit.request('POST /repos/{owner}/{repo}/git/trees', { ...this.where, base_tree: base.tree.sha, tree }),
		);
		const { data: commit } = await this.call(() =>
			this.octokit.request('POST /repos/{owner}/{repo}/git/commits', {
				...this.where,
				message,
				tree: newTree.sha,
				parents: [head],
			}),
		);
		await this.call(() =>
			this.octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
				...this.where,
				ref: `heads/${this.target.branch}`,
				sha: commit.sha,
			}),
		);
		return {
			commitSha: commit.sha,
			url: this.commitUrl(commit.sha),
			changed: changed.length,
			deleted: deleted.length,
			unchanged: false,
		};
	}

	private async head(options: { request?: { retries: number } } = {}): Promise<string> {
		const { data } = await this.call(() =>
			this.octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
				...this.where,
				ref: `heads/${this.target.branch}`,
				...options,
			}),
		);
		return data.object.sha;
	}

	/** The blobs under `prefix` in a tree, by path relative to the prefix, with their sha. */
	private async blobsUnder(treeSha: string, prefix: string): Promise<Map<string, string>> {
		const { data } = await this.call(() =>
			this.octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
				...this.where,
				tree_sha: treeSha,
				recursive: 'true',
			}),
		);
		if (data.truncated)
			throw new GitHubError('http', `The tree of ${this.repoName} is too large to list; use a smaller repository`);
		const blobs = new Map<string, string>();
		for (const entry of data.tree) {
			if (entry.type === 'blob' && entry.path?.startsWith(prefix) && entry.sha)
				blobs.set(entry.path.slice(prefix.length), entry.sha);
		}
		return blobs;
	}

	private get repoName(): string {
		return `${this.target.owner}/${this.target.repo}`;
	}

	private commitUrl(sha: string): string {
		const web = this.target.apiUrl
			.replace(/^https:\/\/api\.github\.com$/, 'https://github.com')
			.replace(/\/api\/v3$/, '');
		return `${web}/${this.repoName}/commit/${sha}`;
	}

	/** Runs one request; its failure becomes a GitHubError that says what to do. */
	private async call<T>(request: () => Promise<T>): Promise<T> {
		try {
			return await request();
		} catch (error) {
			throw this.explain(error);
		}
	}

	private explain(error: unknown): GitHubError {
		const status = (error as { status?: unknown }).status;
		// What GitHub (or a server at the API URL) says is kept and shown: never with the token in it.
		const detail = String(
			(error as { response?: { data?: { message?: unknown } } }).response?.data?.message ?? '',
		).replaceAll(this.target.token, '[redacted]');
		const repo = this.repoName;
		// Octokit reports a request that got no answer at all as a 500 without a response.
		if (typeof status !== 'number' || !(error as { response?: unknown }).response)
			return new GitHubError(
				'unreachable',
				this.unreachable((error as Error).message),
				undefined,
				(error as Error).message,
			);
		if (status === 401)
			return new GitHubError('unauthorized', 'GitHub refused the token (401): it is wrong or expired', 401);
		if (status === 403 || status === 429) {
			if (/rate limit/i.test(detail) || status === 429)
				return new GitHubError('rate_limited', `GitHub's rate limit was reached for ${repo}; try again later`, status);
			return new GitHubError('forbidden', `The token may not do this on ${repo} (403): it needs contents: write`, 403);
		}
		if (status === 404)
			return new GitHubError(
				'not_found',
				`${repo} or its branch ${this.target.branch} was not found (404), or the token cannot see it`,
				404,
			);
		if (status === 409 && /empty/i.test(detail))
			return new GitHubError('empty', `${repo} is empty: push a first commit to ${this.target.branch}`, 409);
		if (status === 409 || (status === 422 && /fast forward/i.test(detail)))
			return new GitHubError('conflict', `The branch ${this.target.branch} of ${repo} moved while committing`, status);
		return new GitHubError('http', `GitHub answered HTTP ${status} for ${repo}${detail ? `: ${detail}` : ''}`, status);
	}

	/** Why GitHub's API did not answer, in words; the socket's own message goes to the details. */
	private unreachable(cause: string): string {
		const at = `GitHub's API at ${this.target.apiUrl}`;
		if (/ECONNREFUSED/.test(cause)) return `${at} refused the connection: check the API URL`;
		if (/ENOTFOUND|EAI_AGAIN/.test(cause)) return `${at} cannot be found: its host name does not resolve`;
		if (/bad port/.test(cause))
			return `${at} cannot be used: its port is one Node.js never connects to (reserved for another protocol)`;
		if (/timeout|ETIMEDOUT/i.test(cause)) return `${at} did not answer in time`;
		return `${at} could not be reached`;
	}
}

/**
 * Octokit keeps only the message of what fetch threw ("fetch failed"), and reads its cause only when
 * the error is of its own realm; the reason (the socket's error) is in that cause.
 */
const fetchWithCause: typeof fetch = (input, init) =>
	fetch(input, init).catch((error: unknown) => {
		const cause = (error as { cause?: { message?: unknown } }).cause;
		if (typeof cause?.message !== 'string') throw error;
		throw Object.assign(new Error(cause.message), { name: (error as Error).name });
	});

/** The sha git gives a file's content (a blob), so unchanged files are not sent again. */
export function gitBlobSha(content: string): string {
	const bytes = Buffer.from(content, 'utf8');
	return crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
