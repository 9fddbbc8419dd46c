import { setTimeout as sleep } from 'node:timers/promises';
import { type Companion, startCompanion } from '../support/companion';
import { startFakeN8n } from '../support/fake-n8n';
import { fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { httpWorkflow } from '../support/workflows';

/**
 * Scheduled checks of an n8n that stops answering: each ends by its deadline (an ERROR check saying
 * so), or when its schedule is turned off or the companion stops (cancelled, nothing recorded).
 */
const store = fakeWorkflowStore([httpWorkflow(1)]);
let companion: Companion;
let n8n: Awaited<ReturnType<typeof startFakeN8n>>;
let admin: string;

beforeEach(async () => {
	store.delayMs = 0;
	n8n = await startFakeN8n(store.handler);
	companion = await startCompanion({ scheduler: { checkDeadlineMs: 1500 } });
	admin = await companion.token('admin');
});
afterEach(async () => {
	await companion.close();
	await n8n.close();
});

async function hungScheduledCheck(): Promise<string> {
	const environment = await companion.environment(admin, { name: 'prod', baseUrl: n8n.url, apiKey: 'k' });
	await companion.api(admin, 'POST', `/api/v1/environments/${environment.id}/baseline`, {});
	store.delayMs = 60_000;
	await companion.api(admin, 'PUT', `/api/v1/environments/${environment.id}/schedule`, {
		cron: '* * * * * *',
		enabled: true,
	});
	while (!companion.scheduler!.stats.running) await sleep(20);
	return environment.id;
}

const lastError = async (environmentId: string) => {
	for (;;) {
		const row = await companion.db
			.selectFrom('drift_checks')
			.select(['status', 'error'])
			.where('environment_id', '=', environmentId)
			.where('trigger', '=', 'schedule')
			.executeTakeFirst();
		if (row) return row;
		await sleep(20);
	}
};

test('a check past its deadline is recorded as ERROR saying so', async () => {
	const environmentId = await hungScheduledCheck();
	expect(await lastError(environmentId)).toEqual({
		status: 'ERROR',
		error: 'n8n "prod" did not answer in time — the check’s deadline of 1.5 s passed',
	});
});

const scheduledChecks = (environmentId: string) =>
	companion.db.selectFrom('drift_checks').select('id').where('environment_id', '=', environmentId).execute();

test('turning the schedule off ends its running check, which records nothing', async () => {
	const environmentId = await hungScheduledCheck();
	await companion.api(admin, 'PUT', `/api/v1/environments/${environmentId}/schedule`, {
		cron: '* * * * * *',
		enabled: false,
	});
	expect(companion.scheduler!.stats).toMatchObject({ running: 0, cancelled: 1 });
	expect(await scheduledChecks(environmentId)).toEqual([]);
});

test('stopping the scheduler ends the checks still running, and waits for them', async () => {
	const environmentId = await hungScheduledCheck();
	await companion.scheduler!.stop();
	expect(companion.scheduler!.stats).toMatchObject({ running: 0, cancelled: 1 });
	expect(await scheduledChecks(environmentId)).toEqual([]);
});
