import fs from 'node:fs';
import path from 'node:path';
import { ALL_NODES } from '../support/nodes';

const ROOT = path.resolve(__dirname, '../..');
const REPOSITORY = 'https://github.com/workflowops/n8n-nodes-workflowops';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) =>
	heading
		.toLowerCase()
		.replace(/[^\p{L}\p{N} _-]/gu, '')
		.replace(/ /g, '-');

const readmeAnchors = new Set(
	[...fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) =>
		anchorOf(heading.trim()),
	),
);

const codexFiles = fs
	.readdirSync(path.join(ROOT, 'nodes'))
	.map((folder) => path.join(ROOT, 'nodes', folder, `${folder}.node.json`))
	.filter((file) => fs.existsSync(file));
const links = [
	...codexFiles.flatMap((file) =>
		[...fs.readFileSync(file, 'utf8').matchAll(/"url": "([^"]+)"/g)].map(([, url]) => [path.basename(file), url]),
	),
	...[
		...fs
			.readFileSync(path.join(ROOT, 'credentials/WorkflowOpsApi.credentials.ts'), 'utf8')
			.matchAll(/documentationUrl = '([^']+)'/g),
	].map(([, url]) => ['WorkflowOpsApi.credentials.ts', url]),
];

test('every node has a codex file with documentation links', () => {
	expect(codexFiles.length).toBe(ALL_NODES.length);
	expect(links.length).toBeGreaterThanOrEqual(2 * ALL_NODES.length + 1);
});

test.each(links)('%s links to %s, a heading of the README', (_file, url) => {
	const [base, anchor] = url.split('#');
	expect(base).toBe(REPOSITORY);
	expect(readmeAnchors).toContain(anchor);
});

test.each(ALL_NODES.map(([, node]) => [node.description.name, node]))(
	'the %s node’s panel opens its README section: a full documentationUrl, which n8n opens as it is',
	(name, node) => {
		// Without one, n8n opens the codex link with ?utm_source=… appended after its anchor, which
		// then names no heading.
		const codex = JSON.parse(
			fs.readFileSync(
				codexFiles.find((file) => file.toLowerCase().endsWith(`${name.toLowerCase()}.node.json`))!,
				'utf8',
			),
		);
		expect(node.description.documentationUrl).toBe(codex.resources.primaryDocumentation[0].url);
		expect(node.description.documentationUrl).toMatch(/^https:\/\/[^?]+#[a-z-]+$/);
	},
);
