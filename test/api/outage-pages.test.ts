import { createUser } from '../../service/domain/auth/users';
import { CLI_CONTEXT } from '../../service/runtime';
import { startCompanion, type Companion } from '../support/companion';
import { fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { startFakeN8n } from '../support/fake-n8n';
import { syncAndFollow } from '../support/jobs';
import { signedInClient, type UiClient } from '../support/ui-client';
import { httpWorkflow } from '../support/workflows';

let companion: Companion;
let admin: string;
let environmentId: string;
let ui: UiClient;
beforeAll(async () => {
	companion = await startCompanion();
	admin = await companion.token('admin');
	const n8n = await startFakeN8n(fakeWorkflowStore([{ ...httpWorkflow(1), name: 'Invoice sync' }]).handler);
	environmentId = (await companion.environment(admin, { name: 'prod', baseUrl: n8n.url, apiKey: 'k' })).id;
	await syncAndFollow(companion, admin, environmentId);
	await n8n.close();
	await createUser(companion.db, CLI_CONTEXT, {
		email: 'ops@example.com',
		password: 'correct horse battery',
		role: 'admin',
	});
	ui = await signedInClient(companion, 'ops@example.com');
});
afterAll(() => companion.close());

const check = () => companion.api(admin, 'POST', `/api/v1/environments/${environmentId}/test`);
const pages = () => [
	`/environments/${environmentId}`,
	`/environments/${environmentId}/drift`,
	`/environments/${environmentId}/snapshots`,
	`/environments/${environmentId}/credentials`,
	`/environments/${environmentId}/findings`,
];

test('one failed check is a blip: the pages show no banner and keep their actions', async () => {
	await check();
	const page = await (await ui.get(`/environments/${environmentId}`)).text();
	expect(page).not.toContain('n8n does not answer');
	expect(page).not.toContain('disabled title="n8n does not answer');
});

test('down after two: each page of the environment shows what was synced, as of when, and disables what needs n8n', async () => {
	await check();
	expect((await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/health`)).body.state).toBe('down');
	for (const path of pages()) {
		const response = await ui.get(path);
		expect({ path, status: response.status }).toEqual({ path, status: 200 });
		const page = await response.text();
		expect(page).toMatch(/n8n does not answer<\/strong> \(down since \d{4}-\d\d-\d\d \d\d:\d\d UTC: /);
		expect(page).toMatch(/as of the last sync, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
	}
	const environment = await (await ui.get(`/environments/${environmentId}`)).text();
	expect(environment).toContain('Invoice sync'); // the synced inventory
	for (const action of ['Sync now', 'Add tags', 'Install'])
		expect(environment).toMatch(new RegExp(`disabled title="n8n does not answer: this needs it">${action}`));
	const drift = await (await ui.get(`/environments/${environmentId}/drift`)).text();
	expect(drift).toMatch(/disabled title="n8n does not answer: this needs it">Approve current state/);
});
