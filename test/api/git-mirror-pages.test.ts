import { type FakeGitHub, startFakeGitHub } from '../support/fake-github';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { signedInClient, type UiClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

const TOKEN = 'ghp_secret0123456789';
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let github: FakeGitHub;
let owner: UiClient;
let page: string;

beforeAll(async () => {
	setup = await companionWithFakeN8n(fakeWorkflowStore([httpWorkflow(1)]), { withAdmin: true });
	github = await startFakeGitHub({ owner: 'acme', repo: 'n8n-workflows', branch: 'main', token: TOKEN });
	owner = await signedInClient(setup.companion, 'owner@example.com');
	page = `/environments/${setup.environmentId}/git`;
});
afterAll(async () => {
	await Promise.all([setup?.close(), github?.close()]);
	expect(github.violations).toEqual([]);
});

const form = (extra: Record<string, string> = {}) => ({
	owner: 'acme',
	repo: 'n8n-workflows',
	branch: 'main',
	pathPrefix: 'n8n/prod',
	apiUrl: github.url,
	...extra,
});

test('the form says what is wrong (422) and never echoes the token', async () => {
	const bad = await owner.post(page, form({ owner: 'not a name', token: TOKEN }));
	expect(bad.status).toBe(422);
	const html = await bad.text();
	expect(html).toContain('Owner must be a GitHub user or organisation name');
	expect(html).toContain('value="n8n-workflows"');
	expect(html).not.toContain(TOKEN);

	const noToken = await owner.post(page, form());
	expect(noToken.status).toBe(422);
	expect(await noToken.text()).toContain('Token a GitHub token is needed to set up the mirror');
});

test('saved, tested, used by the snapshot page to push, then removed', async () => {
	const saved = await owner.post(page, form({ token: TOKEN }));
	expect(saved.status).toBe(200);
	const html = await saved.text();
	expect(html).toContain('✓ Saved.');
	expect(html).toContain('value="n8n/prod"');
	expect(html).toContain('leave empty to keep the stored token');
	expect(html).not.toContain(TOKEN);

	const tested = await owner.post(`${page}/test`, {}, { 'HX-Request': 'true' });
	expect(await tested.text()).toMatch(/status good[^>]*>✓ /);

	const snapshot = await setup.companion.api(setup.admin, 'POST', '/api/v1/snapshots', {
		environmentId: setup.environmentId,
	});
	const detail = await (await owner.get(`/snapshots/${snapshot.body.id}`)).text();
	expect(detail).toContain('Push to GitHub (acme/n8n-workflows)');
	const pushed = await owner.post(`/snapshots/${snapshot.body.id}/push`, {}, { 'HX-Request': 'true' });
	expect(await pushed.text()).toMatch(/✓ Pushed 2 files as commit <a class="mono" href="[^"]+">[0-9a-f]{10}<\/a>/);
	expect([...github.files().keys()].sort()).toEqual([
		'README.md',
		'n8n/prod/manifest.json',
		'n8n/prod/workflows/workflow-1--wf-1.json',
	]);

	const removed = await owner.post(`${page}/delete`, {});
	expect(removed.status).toBe(303);
	expect(await (await owner.get(page)).text()).not.toContain('Remove the mirror');
	const failedTest = await owner.post(`${page}/test`, {}, { 'HX-Request': 'true' });
	expect(await failedTest.text()).toContain('This environment has no Git mirror; set one up first');
});
