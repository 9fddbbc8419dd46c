import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { allowEverything, type Companion } from '../support/companion';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github';
import { closedPort } from '../support/fake-n8n';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { httpWorkflow } from '../support/workflows';

const workflow = (i: number, url?: string) => httpWorkflow(i, url, { name: `Invoice sync ${i}` });

const TOKEN = 'ghp_secret0123456789';
const store = fakeWorkflowStore();
let companion: Companion;
let github: FakeGitHub;
let admin: string;
let environmentId: string;
let n8nUrl: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, environmentId, n8nUrl, close } = await companionWithFakeN8n(store));
	await allowEverything(companion, admin);
	github = await startFakeGitHub({ owner: 'acme', repo: 'n8n-workflows', branch: 'main', token: TOKEN });
});
beforeEach(() => {
	github.fault = undefined;
});
afterAll(async () => {
	await Promise.all([close(), github.close()]);
	expect(github.violations).toEqual([]);
});

const mirror = (body: object) => companion.api(admin, 'PUT', `/api/v1/environments/${environmentId}/git`, body);
const settings = (extra: object = {}) => ({
	apiUrl: github.url,
	owner: 'acme',
	repo: 'n8n-workflows',
	branch: 'main',
	pathPrefix: '/n8n/prod/',
	...extra,
});

async function snapshotOf(workflows: N8nWorkflow[]) {
	store.reset(workflows);
	return (await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId, label: 'nightly' })).body;
}

test('set up: the token is needed once, kept encrypted and never shown', async () => {
	const missing = await mirror(settings());
	expect(missing.status).toBe(400);
	expect(missing.body.error.message).toBe('token: a GitHub token is needed to set up the mirror');
	const bad = await mirror(settings({ owner: 'not a name', branch: 'a..b', token: TOKEN }));
	expect(bad.status).toBe(400);
	expect(bad.body.error.details).toEqual([
		{ field: 'owner', message: 'must be a GitHub user or organisation name' },
		{ field: 'branch', message: 'must be a branch name such as main' },
	]);

	const pasted = await mirror(settings({ token: `${TOKEN}\n` + 'x' }));
	expect(pasted.body.error.details).toEqual([
		{ field: 'token', message: 'must be on one line: it holds a line break (copy it again without one)' },
	]);

	const set = await mirror(settings({ token: TOKEN }));
	expect(set.status).toBe(200);
	expect(set.body).toMatchObject({ owner: 'acme', pathPrefix: 'n8n/prod/', hasToken: true });
	const changed = await mirror(settings({ branch: 'main' }));
	expect(changed.status).toBe(200);
	const read = await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/git`);
	expect(JSON.stringify(read.body)).not.toContain(TOKEN);
	const row = await companion.db.selectFrom('git_mirrors').selectAll().executeTakeFirstOrThrow();
	expect(row.token_sealed).not.toContain(TOKEN);
	const audit = await companion.api(admin, 'GET', '/api/v1/audit?action=environment.git_mirror.set&limit=2');
	expect(audit.body.data.map((e: any) => e.metadata.tokenChanged)).toEqual([false, true]);
	expect(JSON.stringify(audit.body)).not.toContain(TOKEN);
});

test('test connection to an address that refuses connections, or a port Node never uses, says so in words', async () => {
	const test = () => companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/git/test`);
	const port = await closedPort();
	await mirror(settings({ token: TOKEN, apiUrl: `http://127.0.0.1:${port}` }));
	expect((await test()).body).toEqual({
		ok: false,
		message: `GitHub's API at http://127.0.0.1:${port} refused the connection: check the API URL`,
		details: `connect ECONNREFUSED 127.0.0.1:${port}`,
	});
	await mirror(settings({ apiUrl: 'http://127.0.0.1:9' }));
	expect((await test()).body).toEqual({
		ok: false,
		message:
			"GitHub's API at http://127.0.0.1:9 cannot be used: its port is one Node.js never connects to (reserved for another protocol)",
		details: 'bad port',
	});
	await mirror(settings());
});

test('test connection: ok, a wrong token, no push permission, a missing branch', async () => {
	const test = () => companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/git/test`);
	await mirror(settings({ token: TOKEN }));
	expect((await test()).body).toEqual({ ok: true, message: 'Connected to acme/n8n-workflows, branch main' });
	await mirror(settings({ token: 'ghp_wrong' }));
	expect((await test()).body).toEqual({ ok: false, message: 'GitHub refused the token (401): it is wrong or expired' });
	await mirror(settings({ token: TOKEN, branch: 'release' }));
	expect((await test()).body.message).toBe(
		'acme/n8n-workflows or its branch release was not found (404), or the token cannot see it',
	);
	await mirror(settings());
	github.fault = (_method, template) =>
		template === '/repos/{owner}/{repo}/git/ref/{ref}'
			? { status: 403, body: { message: 'Resource not accessible by personal access token' } }
			: undefined;
	expect((await test()).body.message).toBe(
		'The token may not do this on acme/n8n-workflows (403): it needs contents: write',
	);
});

test('push: one commit through blobs, a tree on base_tree, a commit and a ref update; later pushes send only what changed', async () => {
	await mirror(settings({ token: TOKEN }));
	const first = await snapshotOf([workflow(1), workflow(2), workflow(3)]);
	github.requests.length = 0;
	const pushed = await companion.api(admin, 'POST', `/api/v1/snapshots/${first.id}/push`);
	expect(pushed.status).toBe(200);
	expect(pushed.body).toMatchObject({ changed: 4, deleted: 0, unchanged: false, files: 4 });
	expect(github.requests.map((r) => `${r.method} ${r.template}`)).toEqual([
		'GET /repos/{owner}/{repo}/git/ref/{ref}',
		'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
		'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
		...Array(4).fill('POST /repos/{owner}/{repo}/git/blobs'),
		'POST /repos/{owner}/{repo}/git/trees',
		'POST /repos/{owner}/{repo}/git/commits',
		'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
	]);
	expect(github.head()).toBe(pushed.body.commitSha);
	const files = github.files();
	expect([...files.keys()].sort()).toEqual([
		'README.md',
		'n8n/prod/manifest.json',
		'n8n/prod/workflows/invoice-sync-1--wf-1.json',
		'n8n/prod/workflows/invoice-sync-2--wf-2.json',
		'n8n/prod/workflows/invoice-sync-3--wf-3.json',
	]);
	const file = files.get('n8n/prod/workflows/invoice-sync-1--wf-1.json')!;
	expect(JSON.parse(file)).toEqual(workflow(1));
	expect(file).toMatch(/^\{\n {2}"active": false,\n {2}"connections": \{\},\n/);
	const manifest = JSON.parse(files.get('n8n/prod/manifest.json')!);
	expect(manifest).toMatchObject({ format: 1, snapshot: { id: first.id, label: 'nightly', selective: false } });
	expect(manifest.workflows[0]).toMatchObject({ id: 'wf-1', file: 'workflows/invoice-sync-1--wf-1.json' });

	const second = await snapshotOf([workflow(1), workflow(2, 'https://changed.example.com')]);
	github.requests.length = 0;
	const next = await companion.api(admin, 'POST', `/api/v1/snapshots/${second.id}/push`);
	expect(next.body).toMatchObject({ changed: 2, deleted: 1 });
	expect(github.requests.filter((r) => r.template.endsWith('/git/blobs'))).toHaveLength(2);
	expect(github.files().has('n8n/prod/workflows/invoice-sync-3--wf-3.json')).toBe(false);
	expect(github.commits.get(next.body.commitSha)!.parents).toEqual([pushed.body.commitSha]);

	const again = await companion.api(admin, 'POST', `/api/v1/snapshots/${second.id}/push`);
	expect(again.body).toMatchObject({ unchanged: true, commitSha: next.body.commitSha });
	const snapshot = await companion.api(admin, 'GET', `/api/v1/snapshots/${second.id}`);
	expect(snapshot.body.pushes.map((p: any) => p.commitSha)).toEqual([next.body.commitSha, next.body.commitSha]);
});

test('a branch that moves during the push (409, or not a fast forward) is re-read and the commit made again once', async () => {
	const snapshot = await snapshotOf([workflow(4)]);
	let moves = 0;
	github.fault = (method) => {
		if (method !== 'PATCH' || moves++) return undefined;
		github.commitDirectly({ 'CHANGELOG.md': 'someone else\n' });
		return undefined;
	};
	const pushed = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/push`);
	expect(pushed.status).toBe(200);
	expect(github.files().get('CHANGELOG.md')).toBe('someone else\n');
	expect(github.head()).toBe(pushed.body.commitSha);

	const conflict = { status: 409, body: { message: 'Conflict', documentation_url: '' } };
	github.fault = (method) => (method === 'PATCH' ? conflict : undefined);
	const failed = await companion.api(admin, 'POST', `/api/v1/snapshots/${(await snapshotOf([workflow(5)])).id}/push`);
	expect(failed.status).toBe(422);
	expect(failed.body.error.message).toBe('The branch main of acme/n8n-workflows moved while committing');
});

test('restore from a commit: preview and apply put the pushed workflows back', async () => {
	const snapshot = await snapshotOf([workflow(1), workflow(2)]);
	const { commitSha } = (await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/push`)).body;
	store.reset([workflow(1, 'https://evil.example.com'), workflow(7)]);

	const preview = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/git/restore`, {
		mode: 'preview',
		ref: commitSha,
	});
	expect(preview.body.workflows.map((w: any) => [w.workflowId, w.action])).toEqual([
		['wf-1', 'update'],
		['wf-2', 'create'],
		['wf-7', 'delete'],
	]);
	const started = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/git/restore`, {
		mode: 'apply',
		ref: 'main',
		reason: 'from git',
	});
	const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
		authorization: `Bearer ${admin}`,
	});
	expect(events.at(-1)!.data).toMatchObject({ status: 'succeeded', result: { updated: ['wf-1'], deleted: ['wf-7'] } });
	expect([...store.workflows.values()].map((w) => w.name).sort()).toEqual(['Invoice sync 1', 'Invoice sync 2']);

	const nothing = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/git/restore`, {
		mode: 'preview',
		ref: 'no-such-branch',
	});
	expect(nothing.status).toBe(422);
});

test('a commit names each workflow’s canonical id, so it finds a workflow n8n has re-created after its snapshot is gone', async () => {
	store.reset([workflow(41), workflow(42)]);
	await syncAndFollow(companion, admin, environmentId);
	const snapshot = (await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId })).body;
	const { commitSha } = (await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/push`)).body;
	const manifest = JSON.parse(github.files().get('n8n/prod/manifest.json')!);
	expect(manifest.workflows[1]).toMatchObject({ id: 'wf-42', canonicalId: expect.any(String) });
	store.workflows.delete('wf-42');
	const restored = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/restore`, { mode: 'apply' });
	const events = await readEvents(`${companion.url}/api/v1/jobs/${restored.body.id}/events`, {
		authorization: `Bearer ${admin}`,
	});
	const [created] = events.at(-1)!.data.result.created;
	expect((await companion.api(admin, 'DELETE', `/api/v1/snapshots/${snapshot.id}`)).status).toBe(204);

	const preview = await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/git/restore`, {
		mode: 'preview',
		ref: commitSha,
	});
	expect(preview.body.workflows.map((w: any) => [w.workflowId, w.action])).toEqual([
		['wf-41', 'none'],
		[created.newId, 'none'],
	]);
});

test('no mirror: push and restore say so', async () => {
	const other = await companion.environment(admin, { name: 'staging', baseUrl: n8nUrl, class: 'staging', apiKey: 'k' });
	const snapshot = (await companion.api(admin, 'POST', '/api/v1/snapshots', { environmentId: other.id })).body;
	const push = await companion.api(admin, 'POST', `/api/v1/snapshots/${snapshot.id}/push`);
	expect(push.status).toBe(422);
	expect(push.body.error.message).toBe('This environment has no Git mirror; set one up first');
	expect((await companion.api(admin, 'DELETE', `/api/v1/environments/${other.id}/git`)).status).toBe(404);
});
