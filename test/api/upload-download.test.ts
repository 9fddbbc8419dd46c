import { strToU8, unzipSync, zipSync } from 'fflate';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { allowEverything, type Companion } from '../support/companion';
import { companionWithDevAndProd, fakeWorkflowStore } from '../support/fake-n8n-workflows';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { signedInClient } from '../support/ui-client';
import { callerOf, httpWorkflow } from '../support/workflows';

const devWorkflows = (): N8nWorkflow[] => [
	{ ...httpWorkflow(1), id: 'd-1', name: 'Invoice sync', tags: [{ id: 't1', name: 'billing' }] },
	{ ...httpWorkflow(2), id: 'd-2', name: 'Lead capture' },
	{ ...(callerOf('Nightly', 'd-2') as N8nWorkflow), id: 'd-3', active: false },
];
const devStore = fakeWorkflowStore(devWorkflows());
const prodStore = fakeWorkflowStore([]);
let companion: Companion;
let admin: string;
let dev: string;
let prod: string;
let close: () => Promise<void>;

beforeAll(async () => {
	({ companion, admin, dev, prod, close } = await companionWithDevAndProd(devStore, prodStore, { withAdmin: true }));
	await allowEverything(companion, admin);
});
afterAll(() => close());
beforeEach(() => {
	prodStore.fault = undefined;
});

async function download(environmentId: string, query = '') {
	const response = await fetch(`${companion.url}/api/v1/environments/${environmentId}/export${query}`, {
		headers: { authorization: `Bearer ${admin}` },
	});
	return { response, files: response.ok ? unzipSync(new Uint8Array(await response.arrayBuffer())) : {} };
}

async function upload(environmentId: string, body: Uint8Array | string, type = 'application/zip') {
	const response = await fetch(`${companion.url}/api/v1/environments/${environmentId}/import?filename=upload.zip`, {
		method: 'POST',
		headers: { authorization: `Bearer ${admin}`, 'content-type': type },
		body,
	});
	const started = (await response.json()) as any;
	if (response.status !== 202) return { status: response.status, body: started };
	const events = await readEvents(`${companion.url}/api/v1/jobs/${started.id}/events`, {
		authorization: `Bearer ${admin}`,
	});
	return { status: 202, body: events.at(-1)!.data };
}

const hashes = async (environmentId: string) =>
	Object.fromEntries(
		(await companion.api(admin, 'GET', `/api/v1/environments/${environmentId}/workflows`)).body.data.map(
			(workflow: any) => [workflow.name, [workflow.contentHash, workflow.tags]],
		),
	);

test('download: every synced workflow as n8n exported it, optionally normalised, with a manifest; or a selection', async () => {
	const { response, files } = await download(dev, '?normalised=true');
	expect(response.status).toBe(200);
	expect(response.headers.get('content-type')).toBe('application/zip');
	expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="?dev-\d{4}-\d\d-\d\d\.zip"?$/);
	expect(Object.keys(files).sort()).toEqual([
		'manifest.json',
		'normalised/invoice-sync--d-1.json',
		'normalised/lead-capture--d-2.json',
		'normalised/nightly--d-3.json',
		'workflows/invoice-sync--d-1.json',
		'workflows/lead-capture--d-2.json',
		'workflows/nightly--d-3.json',
	]);
	const invoice = JSON.parse(new TextDecoder().decode(files['workflows/invoice-sync--d-1.json']));
	expect(invoice).toEqual(devStore.workflows.get('d-1'));
	const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
	expect(manifest).toMatchObject({ environment: { id: dev, name: 'dev' }, workflows: expect.any(Array) });
	expect(manifest.workflows.map((workflow: any) => workflow.file).sort()).toEqual([
		'invoice-sync--d-1.json',
		'lead-capture--d-2.json',
		'nightly--d-3.json',
	]);

	const selection = await download(dev, '?workflowIds=d-2,d-3');
	expect(Object.keys(selection.files).sort()).toEqual([
		'manifest.json',
		'workflows/lead-capture--d-2.json',
		'workflows/nightly--d-3.json',
	]);
	const unknown = await download(dev, '?workflowIds=d-2,nope');
	expect(unknown.response.status).toBe(404);
	expect(((await unknown.response.json()) as any).error.message).toBe(
		'"dev" has no synced workflow nope: sync it, or leave it out',
	);
	expect((await download(dev, '?workflowIds=')).response.status).toBe(400);
	expect((await download('nope')).response.status).toBe(404);
});

test('the downloaded ZIP uploaded into an empty instance gives the same workflows: content hashes and tags', async () => {
	const zip = new Uint8Array(
		await (
			await fetch(`${companion.url}/api/v1/environments/${dev}/export?normalised=true`, {
				headers: { authorization: `Bearer ${admin}` },
			})
		).arrayBuffer(),
	);
	const { status, body } = await upload(prod, zip);
	expect(status).toBe(202);
	expect(body.status).toBe('succeeded');
	expect(body.result).toMatchObject({ total: 3, refused: [], failed: [] });
	// Nightly runs Lead capture: created after it, and names it by its new id.
	const created = body.result.created.map((item: any) => item.name);
	expect(created.indexOf('Lead capture')).toBeLessThan(created.indexOf('Nightly'));
	const leadId = body.result.created.find((item: any) => item.name === 'Lead capture').workflowId;
	const nightly = [...prodStore.workflows.values()].find((workflow) => workflow.name === 'Nightly')!;
	expect(JSON.stringify(nightly.nodes)).toContain(leadId);
	expect(JSON.stringify(nightly.nodes)).not.toContain('d-2');

	const [devHashes, prodHashes] = [await hashes(dev), await hashes(prod)];
	expect(prodHashes['Invoice sync']).toEqual(devHashes['Invoice sync']);
	expect(prodHashes['Lead capture']).toEqual(devHashes['Lead capture']);
	const audit = await companion.api(admin, 'GET', `/api/v1/audit?action=workflow.import&environmentId=${prod}`);
	expect(audit.body.data).toHaveLength(3);

	// The same again: every name is taken, nothing is written twice.
	const again = await upload(prod, zip);
	expect(again.body.result.created).toEqual([]);
	expect(again.body.result.refused.map((item: any) => item.problems[0])).toEqual([
		expect.stringMatching(/^"prod" already has a workflow named "Invoice sync" \(new-\d+\): rename one$/),
		expect.stringMatching(/already has a workflow named "Lead capture"/),
		expect.stringMatching(/already has a workflow named "Nightly"/),
	]);
	expect(prodStore.workflows.size).toBe(3);
});

test('an upload of good and broken files: each broken one says why, the good ones are created (with warnings), n8n’s refusals leave nothing', async () => {
	prodStore.reset([]);
	const good = { ...httpWorkflow(5), name: 'Good one' };
	const refusedByN8n = { ...httpWorkflow(6), name: 'Refused by n8n' };
	const json = (value: unknown) => strToU8(JSON.stringify(value));
	const zip = zipSync({
		'good.json': json(good),
		'list.json': json([refusedByN8n, { ...httpWorkflow(7), name: '' }]),
		'broken.json': strToU8('{"name": "half'),
		'dangling.json': json({
			...httpWorkflow(8),
			name: 'Dangling',
			connections: { Call: { main: [[{ node: 'Nowhere', type: 'main', index: 0 }]] } },
		}),
		'twice.json': json({
			...httpWorkflow(9),
			name: 'Twice',
			nodes: [httpWorkflow(9).nodes[0], httpWorkflow(9).nodes[0]],
		}),
		'readme.txt': strToU8('not a workflow'),
	});
	prodStore.fault = (method, id, body) =>
		method === 'POST' && !id && body?.name === 'Refused by n8n'
			? { status: 400, message: 'request/body/nodes/0 must have required property typeVersion' }
			: undefined;
	const { body } = await upload(prod, zip);
	// A connection to no node: n8n 1.x (as this fake) stores it, and its own exports have some: created, with a warning.
	const byName = (a: any, b: any) => a.name.localeCompare(b.name);
	expect(body.result.created.sort(byName).map((item: any) => [item.name, item.warnings])).toEqual([
		[
			'Dangling',
			['n8n keeps a connection from "Call" to "Nowhere", which is no node of the workflow; its editor drops it'],
		],
		['Good one', []],
	]);
	expect(body.result.failed).toEqual([
		{
			file: 'upload.zip/list.json#1',
			name: 'Refused by n8n',
			error: expect.stringContaining('request/body/nodes/0 must have required property typeVersion'),
		},
	]);
	expect(Object.fromEntries(body.result.refused.map((item: any) => [item.file, item.problems]))).toEqual({
		'upload.zip/list.json#2': ['name: missing or empty'],
		'upload.zip/broken.json': [expect.stringMatching(/^not JSON: /)],
		'upload.zip/twice.json': ['node "Call": the name is used twice'],
	});
	expect([...prodStore.workflows.values()].map((workflow) => workflow.name).sort()).toEqual(['Dangling', 'Good one']);
});

test('a workflow whose tags n8n refuses is deleted again; bad uploads are refused whole in words', async () => {
	prodStore.reset([]);
	prodStore.fault = (method, _id, _body, verb) =>
		method === 'PUT' && verb === 'tags' ? { status: 500, message: 'tags table locked' } : undefined;
	const tagged = { ...httpWorkflow(3), name: 'Tagged', tags: [{ id: 'x', name: 'ops' }] };
	const { body } = await upload(prod, JSON.stringify(tagged), 'application/json');
	expect(body.result.failed).toEqual([{ file: 'upload.zip', name: 'Tagged', error: expect.stringMatching(/500/) }]);
	expect(prodStore.workflows.size).toBe(0);

	const empty = await upload(prod, new Uint8Array(), 'application/zip');
	expect([empty.status, empty.body.error.message]).toEqual([
		400,
		'Send the workflows as the request body: a ZIP (application/zip) or a JSON file (application/json)',
	]);
	const corrupt = await upload(prod, new Uint8Array([0x50, 0x4b, 1, 2, 3]));
	expect(corrupt.status).toBe(400);
	expect(corrupt.body.error.message).toMatch(/^upload\.zip: not a ZIP that can be read/);
	const nothing = await upload(prod, zipSync({ 'readme.txt': strToU8('hi') }));
	expect([nothing.status, nothing.body.error.message]).toEqual([400, 'The upload holds no workflow file (.json)']);
});

test('from the environment page: files uploaded with the form, and the download link', async () => {
	prodStore.reset([]);
	prodStore.fault = undefined;
	await syncAndFollow(companion, admin, prod);
	const ui = await signedInClient(companion, 'owner@example.com');
	const page = await (await ui.get(`/environments/${prod}`)).text();
	expect(page).toContain(`href="/api/v1/environments/${prod}/export" download`);
	expect(page).toContain('hx-encoding="multipart/form-data"');

	await ui.get('/login');
	const form = new FormData();
	form.append('files', new Blob([JSON.stringify({ ...httpWorkflow(4), name: 'From the form' })]), 'one.json');
	const cookie = [...ui.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
	const headers = { cookie, 'x-csrf-token': ui.cookies.get('wfo_csrf')!, 'hx-request': 'true' };
	const response = await fetch(`${companion.url}/environments/${prod}/import`, { method: 'POST', body: form, headers });
	expect(response.status).toBe(200);
	const jobId = /\/jobs\/([0-9a-f-]+)\/stream/.exec(await response.text())![1];
	const events = await readEvents(`${companion.url}/api/v1/jobs/${jobId}/events`, { authorization: `Bearer ${admin}` });
	expect(events.at(-1)!.data.result.created).toEqual([
		expect.objectContaining({ file: 'one.json', name: 'From the form' }),
	]);
	const none = await fetch(`${companion.url}/environments/${prod}/import`, {
		method: 'POST',
		body: new FormData(),
		headers,
	});
	expect(none.status).toBe(400);
	expect(await none.text()).toContain('Choose the files to upload first');
});
