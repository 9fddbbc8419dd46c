import { GitHubRepo } from '../../service/git/github';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github';

const TOKEN = 'ghp_unit';
let github: FakeGitHub;

beforeAll(async () => {
	github = await startFakeGitHub({ owner: 'acme', repo: 'flows', branch: 'main', token: TOKEN });
});
afterAll(() => github.close());

const repo = (options: ConstructorParameters<typeof GitHubRepo>[1]) =>
	new GitHubRepo({ apiUrl: github.url, owner: 'acme', repo: 'flows', branch: 'main', token: TOKEN }, options);

test('the stand-in refuses what GitHub’s description does not allow', async () => {
	const response = await fetch(`${github.url}/repos/acme/flows/git/blobs`, {
		method: 'POST',
		headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ content: 42, colour: 'red' }),
	});
	expect(response.status).toBe(422);
	expect(github.violations).toEqual(['POST /repos/{owner}/{repo}/git/blobs: body: data/content must be string']);
	github.violations.length = 0;
});

test('a rate-limited answer is waited out and retried (octokit throttling); past the retries it says so', async () => {
	let limited = 0;
	github.fault = (_method, template) => {
		if (template !== '/repos/{owner}/{repo}' || limited++ > 0) return undefined;
		return {
			status: 403,
			body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: '' },
			headers: {
				'x-ratelimit-remaining': '0',
				'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
			},
		};
	};
	expect(await repo({ retries: 1 }).test()).toEqual({ ok: true, message: 'Connected to acme/flows, branch main' });
	expect(limited).toBe(2);

	limited = 0;
	expect(await repo({ retries: 0 }).test()).toEqual({
		ok: false,
		message: "GitHub's rate limit was reached for acme/flows; try again later",
	});
	github.fault = undefined;
});
