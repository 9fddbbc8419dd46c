import { companionWithFakeN8n, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { httpWorkflow } from '../support/workflows';

const CONCURRENCY = 3;
const store = fakeWorkflowStore(Array.from({ length: 600 }, (_, i) => httpWorkflow(i)));
let setup: Awaited<ReturnType<typeof companionWithFakeN8n>>;
let inFlight = 0;
let mostInFlight = 0;

beforeAll(async () => {
	setup = await companionWithFakeN8n(store, { n8nConcurrency: CONCURRENCY });
	store.delayMs = 40;
	// Every call the fake n8n receives is answered delayMs later.
	store.fault = () => {
		inFlight++;
		mostInFlight = Math.max(mostInFlight, inFlight);
		setTimeout(() => inFlight--, store.delayMs);
		return undefined;
	};
});
afterAll(() => setup.close());

test('a snapshot of many selected workflows calls n8n in parallel, never more than the setting at once', async () => {
	mostInFlight = 0;
	const workflowIds = Array.from({ length: 60 }, (_, i) => `wf-${i}`);
	const snapshot = await setup.companion.api(setup.admin, 'POST', '/api/v1/snapshots', {
		environmentId: setup.environmentId,
		workflowIds,
	});
	expect(snapshot.status).toBe(201);
	expect(snapshot.body.workflowCount).toBe(60);
	expect(mostInFlight).toBe(CONCURRENCY);
});

test('the limit holds for one instance across operations: a sync and a snapshot at once', async () => {
	mostInFlight = 0;
	const [synced, snapshot] = await Promise.all([
		syncAndFollow(setup.companion, setup.admin, setup.environmentId),
		setup.companion.api(setup.admin, 'POST', '/api/v1/snapshots', {
			environmentId: setup.environmentId,
			workflowIds: Array.from({ length: 30 }, (_, i) => `wf-${i}`),
		}),
	]);
	expect(synced.final).toMatchObject({ status: 'succeeded', error: null });
	expect(snapshot.status).toBe(201);
	expect(mostInFlight).toBe(CONCURRENCY);
});
