import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv, { type ValidateFunction } from 'ajv';
import { gitBlobSha } from '../../service/git/github';

type Json = any;

/**
 * GitHub's own OpenAPI description (npm @octokit/openapi). Every request our code sends is checked
 * against it — method, path, parameters, body — and every answer this stand-in gives is checked
 * against it too, so the tests cannot drift from what GitHub really accepts and returns.
 */
const spec: Json = withNullsAsAjvReadsThem(
	JSON.parse(fs.readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')),
);

/** OpenAPI 3.0's `nullable` beside `allOf`/`anyOf` (no `type`) is, for Ajv, "or null". */
function withNullsAsAjvReadsThem(node: Json): Json {
	if (Array.isArray(node)) return node.map(withNullsAsAjvReadsThem);
	if (!node || typeof node !== 'object') return node;
	const { nullable, ...rest } = node;
	const converted = Object.fromEntries(
		Object.entries(rest).map(([key, value]) => [key, withNullsAsAjvReadsThem(value)]),
	);
	if (nullable === undefined || 'type' in rest) return nullable === undefined ? converted : { ...converted, nullable };
	return nullable ? { anyOf: [converted, { type: 'null' }] } : converted;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(spec, 'github');
const coercing = new Ajv({ strict: false, coerceTypes: true, validateFormats: false });
coercing.addSchema(spec, 'github');
const compiled = new Map<string, ValidateFunction>();

/** A schema from the description, its `#/components/...` references pointed into it. */
function validator(schema: Json, engine = ajv): ValidateFunction {
	const text = JSON.stringify(schema).replaceAll('"#/components/', '"github#/components/');
	const key = `${engine === ajv ? 'body' : 'param'}:${text}`;
	let validate = compiled.get(key);
	if (!validate) compiled.set(key, (validate = engine.compile(JSON.parse(text))));
	return validate;
}

const deref = (node: Json): Json =>
	node?.$ref
		? deref(
				node.$ref
					.slice(2)
					.split('/')
					.reduce((at: Json, part: string) => at[part], spec),
			)
		: node;

interface Operation {
	method: string;
	template: string;
	segments: string[];
	definition: Json;
}

const operations: Operation[] = Object.entries(spec.paths).flatMap(([template, methods]: [string, Json]) =>
	Object.entries(methods)
		.filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
		.map(([method, definition]) => ({
			method: method.toUpperCase(),
			template,
			segments: template.split('/'),
			definition,
		})),
);

/** The described operation a request is for: the template that matches with the most literal segments. */
function findOperation(
	method: string,
	pathname: string,
): { operation: Operation; params: Record<string, string> } | undefined {
	const parts = pathname.split('/');
	let best: { operation: Operation; params: Record<string, string>; literal: number } | undefined;
	for (const operation of operations) {
		if (operation.method !== method || operation.segments.length !== parts.length) continue;
		const params: Record<string, string> = {};
		let literal = 0;
		const matches = operation.segments.every((segment, i) => {
			const name = segment.match(/^\{(.+)\}$/)?.[1];
			if (name) return (params[name] = decodeURIComponent(parts[i])) !== '';
			literal++;
			return segment === parts[i];
		});
		if (matches && (!best || literal > best.literal)) best = { operation, params, literal };
	}
	return best;
}

/** What the description says is wrong with a request; empty when it is allowed. */
function checkRequest(
	operation: Operation,
	params: Record<string, string>,
	query: URLSearchParams,
	body: Json,
): string[] {
	const problems: string[] = [];
	const declared = (operation.definition.parameters ?? []).map(deref);
	for (const parameter of declared) {
		const value =
			parameter.in === 'path'
				? params[parameter.name]
				: parameter.in === 'query'
					? query.get(parameter.name)
					: undefined;
		if (value === undefined || value === null) {
			if (parameter.required && parameter.in !== 'header')
				problems.push(`${parameter.in} parameter ${parameter.name} is required`);
			continue;
		}
		const validate = validator(parameter.schema, coercing);
		if (!validate(value)) problems.push(`${parameter.name}: ${coercing.errorsText(validate.errors)}`);
	}
	for (const name of query.keys()) {
		if (!declared.some((parameter: Json) => parameter.in === 'query' && parameter.name === name))
			problems.push(`query parameter ${name} is not described`);
	}
	const requestBody = deref(operation.definition.requestBody);
	const schema = requestBody?.content?.['application/json']?.schema;
	if (body === undefined) {
		if (requestBody?.required) problems.push('a JSON body is required');
	} else if (!schema) {
		problems.push('no body is described');
	} else {
		const validate = validator(schema);
		if (!validate(body)) problems.push(`body: ${ajv.errorsText(validate.errors)}`);
	}
	return problems;
}

function checkResponse(operation: Operation, status: number, body: Json): string[] {
	const response = deref(operation.definition.responses?.[String(status)]);
	if (!response) return [`HTTP ${status} is not a described answer`];
	const schema = response.content?.['application/json']?.schema;
	if (!schema) return [];
	const validate = validator(schema);
	return validate(body) ? [] : [`answer ${status}: ${ajv.errorsText(validate.errors)}`];
}

const sha1 = (text: string) => crypto.createHash('sha1').update(text).digest('hex');

export interface FakeGitHubOptions {
	owner: string;
	repo: string;
	branch: string;
	token: string;
	/** Whether the token may push (the repository's permissions.push). */
	canPush?: boolean;
}

export type GitHubFault = (
	method: string,
	template: string,
) => { status: number; body: Json; headers?: Record<string, string> } | undefined;

/**
 * A repository's git data on loopback — blobs, flat trees, commits, refs — behind the parts of
 * GitHub's REST API the mirror uses, checked both ways against GitHub's OpenAPI description.
 */
export async function startFakeGitHub(options: FakeGitHubOptions) {
	const blobs = new Map<string, string>();
	const trees = new Map<string, Map<string, string>>();
	const commits = new Map<string, { tree: string; parents: string[]; message: string }>();
	const refs = new Map<string, string>();
	const state = {
		url: '',
		/** Everything the description did not allow, request or answer; a test expects it empty. */
		violations: [] as string[],
		requests: [] as Array<{ method: string; template: string }>,
		fault: undefined as GitHubFault | undefined,
		blobs,
		commits,
		/** The branch's files at its head, by path. */
		files(branch = options.branch): Map<string, string> {
			const tree = trees.get(commits.get(refs.get(`heads/${branch}`)!)!.tree)!;
			return new Map([...tree].map(([path, sha]) => [path, blobs.get(sha)!]));
		},
		head: (branch = options.branch) => refs.get(`heads/${branch}`)!,
		/** Commits straight onto the branch, as another client would. */
		commitDirectly(files: Record<string, string>): string {
			const tree = new Map(trees.get(commits.get(state.head())!.tree));
			for (const [path, content] of Object.entries(files)) tree.set(path, putBlob(content));
			return setRef(putCommit(putTree(tree), [state.head()], 'direct'));
		},
		close: () => {
			server.closeAllConnections();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};

	const putBlob = (content: string) => {
		const sha = gitBlobSha(content);
		blobs.set(sha, content);
		return sha;
	};
	const putTree = (tree: Map<string, string>) => {
		const sha = sha1(JSON.stringify([...tree].sort()));
		trees.set(sha, tree);
		return sha;
	};
	const putCommit = (tree: string, parents: string[], message: string) => {
		const sha = sha1(JSON.stringify({ tree, parents, message, at: commits.size }));
		commits.set(sha, { tree, parents, message });
		return sha;
	};
	const setRef = (sha: string) => {
		refs.set(`heads/${options.branch}`, sha);
		return sha;
	};
	setRef(putCommit(putTree(new Map([['README.md', putBlob('# workflows\n')]])), [], 'initial'));

	const base = () => `${state.url}/repos/${options.owner}/${options.repo}`;
	const example = (name: string) => structuredClone(deref(spec.components.examples[name]).value);
	const gitCommit = (sha: string) => {
		const commit = commits.get(sha)!;
		const person = { name: 'WorkflowOps', email: 'workflowops@example.com', date: '2026-11-22T00:00:00Z' };
		return {
			...example('git-commit'),
			sha,
			node_id: sha,
			url: `${base()}/git/commits/${sha}`,
			html_url: `https://github.com/${options.owner}/${options.repo}/commit/${sha}`,
			author: person,
			committer: person,
			message: commit.message,
			tree: { sha: commit.tree, url: `${base()}/git/trees/${commit.tree}` },
			parents: commit.parents.map((parent) => ({
				sha: parent,
				url: `${base()}/git/commits/${parent}`,
				html_url: `https://github.com/${options.owner}/${options.repo}/commit/${parent}`,
			})),
		};
	};
	const gitRef = (ref: string) => ({
		ref: `refs/${ref}`,
		node_id: ref,
		url: `${base()}/git/refs/${ref}`,
		object: { type: 'commit', sha: refs.get(ref)!, url: `${base()}/git/commits/${refs.get(ref)}` },
	});
	const notFound = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };

	function answer(
		method: string,
		template: string,
		params: Record<string, string>,
		query: URLSearchParams,
		body: Json,
	) {
		switch (`${method} ${template}`) {
			case 'GET /repos/{owner}/{repo}':
				return {
					status: 200,
					body: {
						...example('full-repository-default-response'),
						name: options.repo,
						full_name: `${options.owner}/${options.repo}`,
						language: null,
						// GitHub's own example of a fork's source lacks fields its schema requires.
						source: undefined,
						parent: undefined,
						default_branch: options.branch,
						permissions: { admin: false, maintain: false, push: options.canPush ?? true, triage: true, pull: true },
					},
				};
			case 'GET /repos/{owner}/{repo}/git/ref/{ref}':
				return refs.has(params.ref) ? { status: 200, body: gitRef(params.ref) } : notFound;
			case 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}':
				return commits.has(params.commit_sha) ? { status: 200, body: gitCommit(params.commit_sha) } : notFound;
			case 'GET /repos/{owner}/{repo}/commits/{ref}': {
				const sha = commits.has(params.ref) ? params.ref : refs.get(`heads/${params.ref}`);
				if (!sha)
					return { status: 422, body: { message: `No commit found for SHA: ${params.ref}`, documentation_url: '' } };
				const git = gitCommit(sha);
				return {
					status: 200,
					body: {
						...example('commit'),
						sha,
						node_id: sha,
						url: `${base()}/commits/${sha}`,
						commit: { ...example('commit').commit, message: git.message, tree: git.tree },
						files: [],
						parents: git.parents,
					},
				};
			}
			case 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': {
				const tree = trees.get(params.tree_sha);
				if (!tree) return notFound;
				return {
					status: 200,
					body: {
						sha: params.tree_sha,
						url: `${base()}/git/trees/${params.tree_sha}`,
						truncated: false,
						tree: [...tree].map(([path, sha]) => ({
							path: query.has('recursive') ? path : path.split('/')[0],
							mode: '100644',
							type: 'blob',
							sha,
							size: Buffer.byteLength(blobs.get(sha)!),
							url: `${base()}/git/blobs/${sha}`,
						})),
					},
				};
			}
			case 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': {
				const content = blobs.get(params.file_sha);
				if (content === undefined) return notFound;
				return {
					status: 200,
					body: {
						content: Buffer.from(content).toString('base64'),
						encoding: 'base64',
						url: `${base()}/git/blobs/${params.file_sha}`,
						sha: params.file_sha,
						size: Buffer.byteLength(content),
						node_id: params.file_sha,
					},
				};
			}
			case 'POST /repos/{owner}/{repo}/git/blobs': {
				const sha = putBlob(
					body.encoding === 'base64' ? Buffer.from(body.content, 'base64').toString('utf8') : body.content,
				);
				return { status: 201, body: { sha, url: `${base()}/git/blobs/${sha}` } };
			}
			case 'POST /repos/{owner}/{repo}/git/trees': {
				const tree = new Map(body.base_tree ? trees.get(body.base_tree) : []);
				for (const entry of body.tree) {
					if (entry.sha === null) tree.delete(entry.path);
					else tree.set(entry.path, entry.content !== undefined ? putBlob(entry.content) : entry.sha);
				}
				const sha = putTree(tree);
				return {
					status: 201,
					body: {
						sha,
						url: `${base()}/git/trees/${sha}`,
						truncated: false,
						tree: [...tree].map(([path, blob]) => ({
							path,
							mode: '100644',
							type: 'blob',
							sha: blob,
							size: 1,
							url: '',
						})),
					},
				};
			}
			case 'POST /repos/{owner}/{repo}/git/commits': {
				const sha = putCommit(body.tree, body.parents, body.message);
				return { status: 201, body: gitCommit(sha) };
			}
			case 'PATCH /repos/{owner}/{repo}/git/refs/{ref}': {
				const current = refs.get(params.ref);
				if (!current) return { status: 422, body: { message: 'Reference does not exist', documentation_url: '' } };
				const parents = commits.get(body.sha)?.parents ?? [];
				if (!body.force && !parents.includes(current))
					return { status: 422, body: { message: 'Update is not a fast forward', documentation_url: '' } };
				refs.set(params.ref, body.sha);
				return { status: 200, body: gitRef(params.ref) };
			}
		}
		return { status: 501, body: { message: `The stand-in does not implement ${method} ${template}` } };
	}

	const server = http.createServer(async (req, res) => {
		let raw = '';
		for await (const chunk of req) raw += chunk;
		const url = new URL(req.url ?? '/', 'http://github');
		const method = req.method ?? 'GET';
		const reply = (status: number, body: Json, headers: Record<string, string> = {}) => {
			res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
			res.end(JSON.stringify(body));
		};
		const found = findOperation(method, url.pathname);
		if (!found) {
			state.violations.push(`${method} ${url.pathname} is not in GitHub's API`);
			return reply(404, { message: 'Not Found' });
		}
		const { operation, params } = found;
		state.requests.push({ method, template: operation.template });
		const body = raw ? JSON.parse(raw) : undefined;
		const problems = checkRequest(operation, params, url.searchParams, body);
		if (problems.length) {
			state.violations.push(...problems.map((problem) => `${method} ${operation.template}: ${problem}`));
			return reply(422, { message: 'Validation Failed', errors: problems });
		}
		if (req.headers.authorization !== `token ${options.token}`)
			return reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
		const fault = state.fault?.(method, operation.template);
		const result = fault ?? answer(method, operation.template, params, url.searchParams, body);
		if (!fault)
			state.violations.push(
				...checkResponse(operation, result.status, result.body).map((p) => `${method} ${operation.template}: ${p}`),
			);
		reply(result.status, result.body, fault?.headers);
	});
	server.listen(0, '127.0.0.1');
	await new Promise((resolve) => server.once('listening', resolve));
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return state;
}

export type FakeGitHub = Awaited<ReturnType<typeof startFakeGitHub>>;
