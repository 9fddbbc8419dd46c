import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { corpusWorkflows } from '../support/corpus';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';

const corpus = corpusWorkflows().map(({ file, workflow }, i) => ({
	file,
	workflow: { ...workflow, id: `c-${i}`, active: false } as N8nWorkflow,
}));
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;

beforeAll(async () => {
	setup = await companionWithFakeN8n(fakeWorkflowStore(corpus.map(({ workflow }) => workflow)));
	await syncAndFollow(setup.companion, setup.admin, setup.environmentId);
});
afterAll(() => setup.close());

const search = async (q: string): Promise<string[]> => {
	const { status, body } = await setup.companion.api(
		setup.admin,
		'GET',
		`/api/v1/search?limit=250&q=${encodeURIComponent(q)}`,
	);
	expect([q, status]).toEqual([q, 200]);
	return body.data.map((hit: { workflowId: string }) => hit.workflowId);
};

test('a sync only marks its workflows for the index; the first search indexes them all, and each is found by its name', async () => {
	const { db } = setup.companion;
	expect(await db.selectFrom('workflow_search_stale').select('n8n_id').execute()).toHaveLength(corpus.length);
	expect(await db.selectFrom('workflow_search_rows').select('n8n_id').execute()).toHaveLength(0);
	await search('anything');
	expect(await db.selectFrom('workflow_search_stale').select('n8n_id').execute()).toHaveLength(0);
	expect(await db.selectFrom('workflow_search_rows').select('n8n_id').execute()).toHaveLength(corpus.length);
	const missed = [];
	for (const { file, workflow } of corpus) {
		if (!(await search(`name:"${workflow.name.replaceAll('"', '')}"`)).includes(workflow.id)) missed.push(file);
	}
	expect(missed).toEqual([]);
});

test('credentials named the old way (a bare name) and the new ({id, name}) are both found', async () => {
	const old = corpus.find(({ file }) => file.startsWith('Wait__0092'))!;
	expect(old.workflow.nodes.some((node) => typeof node.credentials?.calendlyApi === 'string')).toBe(true);
	expect(await search('credential:calendly_api')).toContain(old.workflow.id);
	const current = corpus.find(({ workflow }) =>
		workflow.nodes.some((node) => Object.values(node.credentials ?? {}).some((c) => typeof c === 'object')),
	)!;
	const named = Object.values(current.workflow.nodes.find((node) => node.credentials)!.credentials!)[0] as {
		name: string;
	};
	expect(await search(`credential:"${named.name}"`)).toContain(current.workflow.id);
});
