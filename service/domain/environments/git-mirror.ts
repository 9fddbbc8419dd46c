import { z } from 'zod';
import { headerSecretSchema } from '../header-secret';
import type { Db } from '../../db/database';
import type { GitMirrorsTable } from '../../db/schema';
import { GitHubError, type GitHubRepo, type GitTarget } from '../../git/github';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { DomainError, notFound } from '../errors';
import { type EnvironmentDeps, getEnvironmentRow } from './environments';

export interface GitDeps extends EnvironmentDeps {
	gitHub: (target: GitTarget) => GitHubRepo;
}

export const gitMirrorSchema = z.object({
	apiUrl: z
		.string()
		.trim()
		.regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL such as https://api.github.com')
		.transform((url) => url.replace(/\/+$/, ''))
		.default('https://api.github.com'),
	owner: z
		.string()
		.trim()
		.regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'must be a GitHub user or organisation name'),
	repo: z
		.string()
		.trim()
		.regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be a repository name: letters, digits, . _ -'),
	branch: z
		.string()
		.trim()
		.regex(/^(?!\/)(?!.*\.\.)(?!.*\/$)[^\s~^:?*[\\]{1,250}$/, 'must be a branch name such as main')
		.default('main'),
	pathPrefix: z
		.string()
		.trim()
		.max(200)
		.refine((path) => !path.split('/').some((part) => part === '..' || part === '.'), 'must not hold . or ..')
		.transform((path) => path.replace(/^\/+|\/+$/g, ''))
		.transform((path) => (path ? `${path}/` : ''))
		.default('')
		.describe('the folder in the repository the snapshots go to; the root when empty'),
	token: headerSecretSchema(1000)
		.optional()
		.describe('a token with contents: write; kept encrypted, never returned; unchanged when absent'),
});
export type GitMirrorInput = z.infer<typeof gitMirrorSchema>;

export interface GitMirror {
	environmentId: string;
	apiUrl: string;
	owner: string;
	repo: string;
	branch: string;
	pathPrefix: string;
	hasToken: true;
	updatedAt: string;
}

const toGitMirror = (row: GitMirrorsTable): GitMirror => ({
	environmentId: row.environment_id,
	apiUrl: row.api_url,
	owner: row.owner,
	repo: row.repo,
	branch: row.branch,
	pathPrefix: row.path_prefix,
	hasToken: true,
	updatedAt: row.updated_at,
});

async function findMirrorRow(db: Db, environmentId: string): Promise<GitMirrorsTable | undefined> {
	return db.selectFrom('git_mirrors').selectAll().where('environment_id', '=', environmentId).executeTakeFirst();
}

/** The environment's mirror, or null when it has none. */
export async function getGitMirror(db: Db, environmentId: string): Promise<GitMirror | null> {
	await getEnvironmentRow(db, environmentId);
	const row = await findMirrorRow(db, environmentId);
	return row ? toGitMirror(row) : null;
}

/** Sets (or changes) the mirror; the token is needed the first time and kept when left out after. */
export async function setGitMirror(
	deps: GitDeps,
	context: AuditContext,
	environmentId: string,
	input: GitMirrorInput,
): Promise<GitMirror> {
	await getEnvironmentRow(deps.db, environmentId);
	return deps.db.transaction().execute(async (trx) => {
		const existing = await findMirrorRow(trx, environmentId);
		if (!input.token && !existing)
			throw new DomainError('invalid_request', 'token: a GitHub token is needed to set up the mirror');
		const row: GitMirrorsTable = {
			environment_id: environmentId,
			api_url: input.apiUrl,
			owner: input.owner,
			repo: input.repo,
			branch: input.branch,
			path_prefix: input.pathPrefix,
			token_sealed: input.token ? deps.secrets.seal(input.token) : existing!.token_sealed,
			updated_at: new Date().toISOString(),
		};
		await trx
			.insertInto('git_mirrors')
			.values(row)
			.onConflict((oc) => oc.column('environment_id').doUpdateSet(row))
			.execute();
		await appendAudit(trx, context, {
			action: 'environment.git_mirror.set',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
			metadata: {
				repository: `${row.owner}/${row.repo}`,
				branch: row.branch,
				pathPrefix: row.path_prefix,
				apiUrl: row.api_url,
				tokenChanged: Boolean(input.token),
			},
		});
		return toGitMirror(row);
	});
}

export async function deleteGitMirror(db: Db, context: AuditContext, environmentId: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const deleted = await trx.deleteFrom('git_mirrors').where('environment_id', '=', environmentId).executeTakeFirst();
		if (!deleted.numDeletedRows) throw notFound('Git mirror');
		await appendAudit(trx, context, {
			action: 'environment.git_mirror.delete',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
		});
	});
}

/** The mirror's repository, to commit to or read from. */
export async function mirrorRepo(deps: GitDeps, environmentId: string): Promise<{ repo: GitHubRepo; prefix: string }> {
	const row = await findMirrorRow(deps.db, environmentId);
	if (!row) {
		await getEnvironmentRow(deps.db, environmentId);
		throw new DomainError('unprocessable', 'This environment has no Git mirror; set one up first');
	}
	const target = {
		apiUrl: row.api_url,
		owner: row.owner,
		repo: row.repo,
		branch: row.branch,
		token: deps.secrets.open(row.token_sealed),
	};
	return { repo: deps.gitHub(target), prefix: row.path_prefix };
}

/** Test connection with the stored settings: repository readable, push allowed, branch there. */
export async function testGitMirror(deps: GitDeps, environmentId: string): Promise<{ ok: boolean; message: string }> {
	const { repo } = await mirrorRepo(deps, environmentId);
	return repo.test();
}

/** A GitHub failure as the caller should see it: 422 with GitHub's reason (never the token). */
export async function explainGitHub<T>(work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof GitHubError) throw new DomainError('unprocessable', error.message, { github: error.kind });
		throw error;
	}
}
