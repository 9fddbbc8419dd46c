import { type FakeExecution, fakeExecutions } from '../support/fake-n8n-executions';
import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { readEvents } from '../support/sse';
import { httpWorkflow } from '../support/workflows';

const run = (id: number): FakeExecution => ({
	id,
	workflowId: 'wf-1',
	status: 'success',
	mode: 'webhook',
	startedAt: new Date(Date.now() - (1000 - id) * 1000).toISOString(),
	stoppedAt: new Date(Date.now() - (1000 - id) * 1000 + 500).toISOString(),
});
const store = fakeWorkflowStore([{ ...httpWorkflow(1), id: 'wf-1' }]);
store.executions = fakeExecutions(Array.from({ length: 600 }, (_, i) => run(i + 1)));
let pagesFail = false;
const answer = store.handler;
store.handler = (req, url, raw) =>
	pagesFail && url.searchParams.has('cursor')
		? { status: 500, body: { message: 'the database is busy' } }
		: answer(req, url, raw);
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
beforeAll(async () => {
	setup = await companionWithFakeN8n(store);
});
afterAll(() => setup.close());

const index = async () => {
	const { companion, admin, environmentId } = setup;
	const job = (await companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/executions/index`)).body;
	return (await readEvents(`${companion.url}/api/v1/jobs/${job.id}/events`, { authorization: `Bearer ${admin}` })).at(
		-1,
	)!.data;
};
const indexed = async () =>
	Number(
		(
			await setup.companion.db
				.selectFrom('executions')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow()
		).n,
	);

test('pages are written as they come; an indexing cut short is read again from the top, and nothing below is lost', async () => {
	pagesFail = true;
	const cut = await index();
	expect(cut.status).toBe('failed');
	expect(await indexed()).toBe(250); // the first page, written while the second was asked for

	pagesFail = false;
	expect((await index()).result).toEqual({ added: 600, updated: 0 });
	expect(await indexed()).toBe(600);
	// Complete now: the next one reads only what is new.
	store.executions!.add(run(601));
	expect((await index()).result).toEqual({ added: 1, updated: 0 });
	const { body } = await setup.companion.api(
		setup.admin,
		'GET',
		`/api/v1/analytics?workflow=wf-1&from=${new Date(Date.now() - 3_600_000).toISOString()}`,
	);
	expect(body.summary.total).toBe(await indexed()); // the rollups counted each once
});
