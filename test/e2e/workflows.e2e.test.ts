import { strToU8, zipSync } from 'fflate';
import { referencedWorkflowIds } from '../../service/domain/workflows/workflow-refs';
import { N8nClient } from '../../service/n8n/client';
import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { type Companion, startCompanion } from '../support/companion';
import { corpusWorkflows } from '../support/corpus';
import { syncAndFollow } from '../support/jobs';
import { readEvents } from '../support/sse';
import { scheduledWorkflow } from '../support/workflows';
import { editorCreate, editorMadeWorkflow, editorUpdate } from './harness/editor';
import { type N8nInstance, startN8n } from './harness/instance';
import { selectedTargets } from './harness/versions';

jest.setTimeout(900_000);

const CORPUS_COUNT = 12;
const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
type EnvironmentName = (typeof ENVIRONMENTS)[number];

describe.each(selectedTargets())('workflows across environments on n8n $version', (target) => {
	const n8n = {} as Record<EnvironmentName, N8nInstance>;
	const clients = {} as Record<EnvironmentName, N8nClient>;
	const environmentIds = {} as Record<EnvironmentName, string>;
	/** Each environment's workflow ids by name, as created. */
	const ids = {} as Record<EnvironmentName, Map<string, string>>;
	let companion: Companion;
	let admin: string;
	let names: string[];

	beforeAll(async () => {
		const started = await Promise.all([
			...ENVIRONMENTS.map((name) => startN8n({ target, name: `estate-${name}` })),
			// n8n 2.x renames a tag on every workflow that has it: slower than 3 s on a busy machine.
			startCompanion({ n8nTimeoutMs: 20_000 }),
		]);
		companion = started.pop() as Companion;
		admin = await companion.token('admin');
		for (const [i, name] of ENVIRONMENTS.entries()) {
			n8n[name] = started[i] as N8nInstance;
			clients[name] = new N8nClient({ name, baseUrl: n8n[name].baseUrl, apiKey: n8n[name].apiKey });
			environmentIds[name] = (
				await companion.environment(admin, {
					name,
					baseUrl: n8n[name].baseUrl,
					apiKey: n8n[name].apiKey,
					class: name,
				})
			).id;
			ids[name] = new Map();
		}
		// The same corpus workflows and one made in n8n's editor, in every environment.
		const corpus = corpusWorkflows()
			.slice(0, 60)
			.map(({ workflow }) => workflow);
		for (const workflow of corpus) {
			if (ids.dev.has(workflow.name)) continue; // the corpus has a few names twice
			const made = await Promise.all(
				ENVIRONMENTS.map((name) => clients[name].createWorkflow(workflow).catch(() => undefined)),
			);
			if (made.some((one) => !one)) continue;
			ENVIRONMENTS.forEach((name, i) => ids[name].set(workflow.name, made[i]!.id));
			if (ids.dev.size === CORPUS_COUNT) break;
		}
		for (const name of ENVIRONMENTS)
			ids[name].set('Editor made', (await editorCreate(n8n[name], editorMadeWorkflow('Editor made'))).id);
		names = [...ids.dev.keys()];
		expect(names).toHaveLength(CORPUS_COUNT + 1);
		const pipeline = await companion.api(admin, 'POST', '/api/v1/pipelines', {
			name: 'Release',
			stages: [
				{ sourceEnvironmentId: environmentIds.dev, targetEnvironmentId: environmentIds.staging },
				{ sourceEnvironmentId: environmentIds.staging, targetEnvironmentId: environmentIds.prod },
			],
		});
		expect(pipeline.status).toBe(201);
	});
	afterAll(async () => {
		await Promise.all(ENVIRONMENTS.map((name) => n8n[name]?.stop()));
		await companion?.close();
	});

	const syncAll = () => Promise.all(ENVIRONMENTS.map((name) => syncAndFollow(companion, admin, environmentIds[name])));
	const matrix = async (query = '') => {
		const { status, body } = await companion.api(admin, 'GET', `/api/v1/workflows?limit=100${query}`);
		expect(status).toBe(200);
		return body;
	};
	const cellsOf = (row: any) =>
		Object.fromEntries(row.cells.map((cell: any, i: number) => [ENVIRONMENTS[i], [cell.present, cell.compared]]));

	test('hand edits in staging and prod, onboarding links what is one workflow, and the matrix shows each difference', async () => {
		const [edited, removed, renamed] = names;
		// In prod, a parameter edited in n8n's editor, and a workflow renamed after its environment; one deleted from staging.
		await editorUpdate(n8n.prod, ids.prod.get('Editor made')!, (workflow) => ({
			nodes: workflow.nodes.map((node) => ({
				...node,
				parameters: { ...node.parameters, url: 'https://erp-hotfix.example.com' },
			})),
		}));
		const prodEdited = (await clients.prod.getWorkflow(ids.prod.get(edited)!)) as N8nWorkflow;
		await clients.prod.updateWorkflow(prodEdited.id, {
			name: prodEdited.name,
			nodes: prodEdited.nodes.map((node, i) => (i === 0 ? { ...node, notes: 'hand edit in prod' } : node)),
			connections: prodEdited.connections,
			settings: { ...prodEdited.settings, executionTimeout: 120 },
		});
		const prodRenamed = (await clients.prod.getWorkflow(ids.prod.get(renamed)!)) as N8nWorkflow;
		await clients.prod.updateWorkflow(prodRenamed.id, {
			name: `${renamed} [prod]`,
			nodes: prodRenamed.nodes,
			connections: prodRenamed.connections,
			settings: prodRenamed.settings,
		});
		await clients.staging.deleteWorkflow(ids.staging.get(removed)!);
		await syncAll();

		const before = await matrix();
		expect(before.data.filter((row: any) => row.status === 'LINKED')).toHaveLength(0);
		const { body: proposals } = await companion.api(admin, 'GET', '/api/v1/workflow-links/proposals');
		const normalised = proposals.data.filter((proposal: any) => proposal.match === 'normalised');
		expect(normalised.map((proposal: any) => proposal.candidates.map((c: any) => c.name).sort())).toEqual([
			[renamed, renamed, `${renamed} [prod]`].sort(),
		]);
		expect(proposals.data.every((proposal: any) => proposal.unambiguous)).toBe(true);

		const confirmed = await companion.api(admin, 'POST', '/api/v1/workflow-links/proposals/confirm', {});
		expect(confirmed.status).toBe(200);
		expect(confirmed.body.linked).toHaveLength(names.length);

		const after = await matrix();
		expect(after.environments.map((column: any) => column.name)).toEqual([...ENVIRONMENTS]);
		expect(after.data).toHaveLength(names.length);
		expect(after.data.every((row: any) => row.status === 'LINKED')).toBe(true);
		const row = (name: string) => after.data.find((one: any) => one.cells[0].name === name);
		expect(cellsOf(row(edited))).toEqual({ dev: [true, null], staging: [true, 'same'], prod: [true, 'differs'] });
		expect(cellsOf(row('Editor made'))).toEqual({
			dev: [true, null],
			staging: [true, 'same'],
			prod: [true, 'differs'],
		});
		expect(cellsOf(row(removed))).toEqual({ dev: [true, null], staging: [false, 'missing'], prod: [true, 'extra'] });
		expect(cellsOf(row(renamed))).toEqual({ dev: [true, null], staging: [true, 'same'], prod: [true, 'differs'] });
		expect(row(renamed).cells[2].name).toBe(`${renamed} [prod]`);

		// The editor-made workflow everywhere: its prod version differs from staging's by the URL edited by hand.
		const editorMade = row('Editor made');
		const { body: everywhere } = await companion.api(admin, 'GET', `/api/v1/workflows/${editorMade.canonicalId}`);
		expect(everywhere.versions.map((version: any) => version.complexity.httpHosts)).toEqual([
			['erp.example.com'],
			['erp.example.com'],
			['erp-hotfix.example.com'],
		]);
		const { body: compared } = await companion.api(
			admin,
			'GET',
			`/api/v1/workflows/${editorMade.canonicalId}/diff?from=${environmentIds.staging}&to=${environmentIds.prod}`,
		);
		expect(compared.diff).toMatchObject({ risk: 'HIGH', nodes: { changed: [expect.any(String)] } });

		const differs = await matrix('&differs=true');
		expect(differs.data.map((one: any) => one.cells[0].name).sort()).toEqual([edited, 'Editor made', renamed].sort());
	});

	test('search finds a workflow in every environment by the text of its parameters, and follows a hand edit', async () => {
		const search = async (q: string) => {
			const { status, body } = await companion.api(admin, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
			expect(status).toBe(200);
			return body.data.map((hit: any) => `${hit.environmentName}:${hit.name}`).sort();
		};
		expect(await search('text:erp.example.com')).toEqual(['dev:Editor made', 'staging:Editor made']);
		expect(await search('erp-hotfix')).toEqual(['prod:Editor made']);
		expect(await search('node:httpRequest name:"Editor made"')).toHaveLength(3);
	});

	test('a promotion follows the link onboarding made: the renamed prod workflow is the target, not a new one', async () => {
		const renamed = names[2];
		const { status, body } = await companion.api(admin, 'POST', '/api/v1/promotions/plan', {
			sourceEnvironmentId: environmentIds.staging,
			targetEnvironmentId: environmentIds.prod,
			workflowIds: [ids.staging.get(renamed)!],
		});
		expect(status).toBe(200);
		expect(body.items).toHaveLength(1);
		expect(body.items[0]).toMatchObject({ link: 'linked', targetWorkflowId: ids.prod.get(renamed) });
	});

	test('a promotion into prod is blocked by a content rule error there: plain HTTP, named with its node (gate policy)', async () => {
		const insecure = await editorCreate(
			n8n.staging,
			editorMadeWorkflow('Insecure call', 'http://insecure.example.com'),
		);
		await syncAndFollow(companion, admin, environmentIds.staging);
		const { body } = await companion.api(admin, 'POST', '/api/v1/promotions/plan', {
			sourceEnvironmentId: environmentIds.staging,
			targetEnvironmentId: environmentIds.prod,
			workflowIds: [insecure.id],
		});
		// prod has no approved baseline in this suite either: only the policy blockers are looked at here.
		expect(body.blockers.filter((blocker: { code: string }) => blocker.code === 'policy')).toEqual([
			expect.objectContaining({ code: 'policy', rule: 'plain_http', workflowId: insecure.id, node: 'Call ERP' }),
		]);
		const requested = await companion.api(admin, 'POST', '/api/v1/promotions', {
			sourceEnvironmentId: environmentIds.staging,
			targetEnvironmentId: environmentIds.prod,
			workflowIds: [insecure.id],
		});
		expect(requested.status).toBe(422);
		await clients.staging.deleteWorkflow(insecure.id);
		await syncAndFollow(companion, admin, environmentIds.staging);
	});

	test('a bulk deactivation of 20 running workflows, one deleted in n8n meanwhile: 19 done, 1 failed with n8n’s reason', async () => {
		const made: N8nWorkflow[] = [];
		for (let i = 0; i < 20; i++) made.push(await clients.dev.createWorkflow(scheduledWorkflow(`Nightly ${i}`)));
		for (const workflow of made) await clients.dev.setActive(workflow.id, true);
		await syncAndFollow(companion, admin, environmentIds.dev);
		const victim = made[7];
		await clients.dev.setActive(victim.id, false);
		await clients.dev.deleteWorkflow(victim.id);

		const started = await companion.api(admin, 'POST', `/api/v1/environments/${environmentIds.dev}/activation`, {
			workflowIds: made.map((workflow) => workflow.id),
			active: false,
		});
		expect(started.status).toBe(202);
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${admin}`,
		});
		const { status, result } = events.at(-1)!.data;
		expect(status).toBe('succeeded');
		expect(result.changed).toHaveLength(19);
		expect(result.failed).toEqual([{ workflowId: victim.id, name: 'Nightly 7', error: expect.stringMatching(/404/) }]);
		const live = await clients.dev.listWorkflows();
		expect(live.filter((workflow) => workflow.name.startsWith('Nightly ') && workflow.active)).toEqual([]);
		const inventory = await companion.api(
			admin,
			'GET',
			`/api/v1/environments/${environmentIds.dev}/workflows?q=Nightly&limit=50`,
		);
		// The one gone from n8n stays in the inventory until the next sync.
		expect(inventory.body.data.filter((workflow: any) => workflow.active).map((workflow: any) => workflow.id)).toEqual([
			victim.id,
		]);
	});

	test('dev downloaded as a ZIP and uploaded into an emptied staging gives the same content hashes; broken files are refused', async () => {
		for (const workflow of await clients.staging.listWorkflows()) {
			if (workflow.active) await clients.staging.setActive(workflow.id, false);
			await clients.staging.deleteWorkflow(workflow.id);
		}
		await syncAndFollow(companion, admin, environmentIds.staging);
		await syncAndFollow(companion, admin, environmentIds.dev);
		const zip = await fetch(`${companion.url}/api/v1/environments/${environmentIds.dev}/export`, {
			headers: { authorization: `Bearer ${admin}` },
		});
		expect(zip.status).toBe(200);
		const upload = async (body: Uint8Array) => {
			const started = await fetch(`${companion.url}/api/v1/environments/${environmentIds.staging}/import`, {
				method: 'POST',
				headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/zip' },
				body,
			});
			expect(started.status).toBe(202);
			const { id } = (await started.json()) as { id: string };
			const events = await readEvents(`${companion.url}/api/v1/jobs/${id}/events`, {
				authorization: `Bearer ${admin}`,
			});
			return events.at(-1)!.data.result;
		};
		const result = await upload(new Uint8Array(await zip.arrayBuffer()));
		expect(result.refused).toEqual([]);
		expect(result.failed).toEqual([]);

		const inventory = async (name: EnvironmentName) =>
			(await companion.api(admin, 'GET', `/api/v1/environments/${environmentIds[name]}/workflows?limit=250`)).body.data;
		const devRows = await inventory('dev');
		expect(result.created).toHaveLength(devRows.length);
		const stagingHash = new Map((await inventory('staging')).map((row: any) => [row.name, row.contentHash]));
		const devExports = new Map((await clients.dev.listWorkflows()).map((workflow) => [workflow.name, workflow]));
		// A workflow naming another by id names the new one in staging: its hash differs by that id alone.
		const standalone = devRows.filter((row: any) => referencedWorkflowIds(devExports.get(row.name)!).size === 0);
		expect(standalone.length).toBeGreaterThan(CORPUS_COUNT);
		expect(standalone.filter((row: any) => stagingHash.get(row.name) !== row.contentHash)).toEqual([]);
		expect(stagingHash.has('Editor made')).toBe(true);

		const broken = await upload(
			zipSync({
				'fine.json': strToU8(JSON.stringify({ ...scheduledWorkflow('Fine upload'), settings: {} })),
				'not-json.json': strToU8('{"name": '),
				'dangling.json': strToU8(
					JSON.stringify({
						...scheduledWorkflow('Dangling'),
						connections: { 'Every day': { main: [[{ node: 'Nowhere', type: 'main', index: 0 }]] } },
					}),
				),
				'unknown-setting.json': strToU8(
					JSON.stringify({ ...scheduledWorkflow('Odd settings'), settings: { executionTimeout: 'soon' } }),
				),
			}),
		);
		// A connection to no node: 1.x keeps it (its exports have some), 2.x refuses it.
		const danglingKept = target.major === '1';
		expect(broken.created.map((item: any) => item.name).sort()).toEqual(
			danglingKept ? ['Dangling', 'Fine upload'] : ['Fine upload'],
		);
		expect(broken.refused.map((item: any) => item.file).sort()).toEqual(
			danglingKept ? ['upload/not-json.json'] : ['upload/dangling.json', 'upload/not-json.json'],
		);
		// What only n8n can tell: its own reason, and nothing left of the workflow.
		expect(broken.failed).toEqual([
			{ file: 'upload/unknown-setting.json', name: 'Odd settings', error: expect.stringMatching(/400/) },
		]);
		expect((await clients.staging.listWorkflows()).some((workflow) => workflow.name === 'Odd settings')).toBe(false);
	});

	test('archive and bring back on 2.x (1.x says it cannot); delete for good after a snapshot, the name typed', async () => {
		const made = await clients.dev.createWorkflow(scheduledWorkflow('To remove'));
		await clients.dev.setActive(made.id, true);
		await syncAndFollow(companion, admin, environmentIds.dev);
		const path = `/api/v1/environments/${environmentIds.dev}/workflows/${made.id}`;

		const archived = await companion.api(admin, 'POST', `${path}/archive`);
		if (target.major === '2') {
			expect(archived.body).toEqual({ workflowId: made.id, name: 'To remove', archived: true });
			expect(await clients.dev.getWorkflow(made.id)).toMatchObject({ isArchived: true, active: false });
			const back = await companion.api(admin, 'POST', `${path}/unarchive`);
			expect(back.status).toBe(200);
			expect(await clients.dev.getWorkflow(made.id)).toMatchObject({ isArchived: false, active: false });
		} else {
			expect(archived.status).toBe(422);
			expect(archived.body.error.message).toMatch(/runs n8n 1\.x, which cannot archive/);
		}

		expect((await companion.api(admin, 'DELETE', path, { confirmName: 'to remove' })).status).toBe(400);
		const deleted = await companion.api(admin, 'DELETE', path, { confirmName: 'To remove' });
		expect(deleted.status).toBe(200);
		await expect(clients.dev.getWorkflow(made.id)).rejects.toMatchObject({ status: 404 });
		const snapshot = await companion.api(admin, 'GET', `/api/v1/snapshots/${deleted.body.snapshotId}`);
		expect(snapshot.body.workflows).toEqual([expect.objectContaining({ workflowId: made.id, name: 'To remove' })]);
	});

	test('prod activation under the class policy waits for a second admin; staging asks to confirm a delete', async () => {
		const made = await clients.prod.createWorkflow(scheduledWorkflow('Needs approval'));
		await syncAndFollow(companion, admin, environmentIds.prod);
		const asked = await companion.api(admin, 'POST', `/api/v1/environments/${environmentIds.prod}/activation`, {
			workflowIds: [made.id],
			active: true,
			reason: 'go live',
		});
		expect(asked.status).toBe(202);
		const request = asked.body.approvalRequest;
		expect(request).toMatchObject({ status: 'PENDING_APPROVAL', summary: 'Activate "Needs approval"' });
		expect((await clients.prod.getWorkflow(made.id)).active).toBe(false);
		const own = await companion.api(admin, 'POST', `/api/v1/operation-requests/${request.id}/approve`, {});
		expect(own.status).toBe(403);
		expect((await clients.prod.getWorkflow(made.id)).active).toBe(false);

		const second = await companion.token('admin');
		const approved = await companion.api(second, 'POST', `/api/v1/operation-requests/${request.id}/approve`, {
			comment: 'checked',
		});
		expect(approved.body.status).toBe('APPROVED');
		const events = await readEvents(`${companion.url}/api/v1/jobs/${approved.body.outcome.job.id}/events`, {
			authorization: `Bearer ${admin}`,
		});
		expect(events.at(-1)!.data.result.changed).toEqual([expect.objectContaining({ workflowId: made.id })]);
		expect((await clients.prod.getWorkflow(made.id)).active).toBe(true);

		const staged = await clients.staging.createWorkflow(scheduledWorkflow('Staged to delete'));
		await syncAndFollow(companion, admin, environmentIds.staging);
		const path = `/api/v1/environments/${environmentIds.staging}/workflows/${staged.id}`;
		const unconfirmed = await companion.api(admin, 'DELETE', path, { confirmName: 'Staged to delete' });
		expect(unconfirmed.status).toBe(409);
		expect(unconfirmed.body.error.details).toMatchObject({ policy: 'warn', environmentClass: 'staging' });
		expect((await clients.staging.getWorkflow(staged.id)).name).toBe('Staged to delete');
		const deleted = await companion.api(admin, 'DELETE', path, { confirmName: 'Staged to delete', confirm: true });
		expect(deleted.status).toBe(200);
		await expect(clients.staging.getWorkflow(staged.id)).rejects.toMatchObject({ status: 404 });
	});

	test('credentials tested in n8n 2.x: the good one passes, the bad one fails with n8n’s reason (1.x cannot)', async () => {
		const path = `/api/v1/environments/${environmentIds.prod}/credentials/test`;
		if (target.major === '1') {
			const refused = await companion.api(admin, 'POST', path);
			expect([refused.status, refused.body.error.message]).toEqual([
				422,
				'"prod" runs n8n 1.x, whose API cannot test credentials (n8n 2.x can)',
			]);
			return;
		}
		const create = async (name: string, apiKey: string) =>
			(await (
				await fetch(`${n8n.prod.baseUrl}/api/v1/credentials`, {
					method: 'POST',
					headers: { 'X-N8N-API-KEY': n8n.prod.apiKey, 'content-type': 'application/json' },
					body: JSON.stringify({ name, type: 'n8nApi', data: { apiKey, baseUrl: `${n8n.prod.baseUrl}/api/v1` } }),
				})
			).json()) as { id: string };
		const good = await create('Own API', n8n.prod.apiKey);
		const bad = await create('Revoked API', 'not-a-key');
		await syncAndFollow(companion, admin, environmentIds.prod);
		const started = await companion.api(admin, 'POST', path);
		expect(started.status).toBe(202);
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${admin}`,
		});
		const { result } = events.at(-1)!.data;
		console.log(`n8n ${target.version}: credential tests ${JSON.stringify(result)}`);
		expect(result.failing.map((failure: { id: string }) => failure.id)).toEqual([bad.id]);
		expect(result.ok).toBeGreaterThanOrEqual(1);
		const listed = await companion.api(admin, 'GET', `/api/v1/environments/${environmentIds.prod}/credentials`);
		const health = (id: string) =>
			listed.body.credentials.find((credential: { id: string }) => credential.id === id).health;
		expect(health(good.id)).toMatchObject({ status: 'ok' });
		expect(health(bad.id)).toMatchObject({ status: 'failing', message: expect.any(String) });
	});

	test('each instance’s own security audit is gathered and kept beside the findings', async () => {
		const ran = await companion.api(admin, 'POST', `/api/v1/environments/${environmentIds.dev}/security-audit`);
		expect(ran.status).toBe(200);
		const reports = ran.body.reports as Array<{
			risk: string;
			sections: Array<{ title: string; locations: unknown[] }>;
		}>;
		console.log(
			`n8n ${target.version}: security audit ${reports
				.map(
					(report) => `${report.risk}: ${report.sections.map((s) => `${s.title} (${s.locations.length})`).join(', ')}`,
				)
				.join('; ')}`,
		);
		expect(reports.map((report) => report.risk)).toContain('nodes');
		const kept = await companion.api(admin, 'GET', `/api/v1/environments/${environmentIds.dev}/security-audit`);
		expect(kept.body.audit).toEqual(ran.body);
	});

	test('tags added to ticked workflows, the tag created; renamed, the workflows keep it', async () => {
		const made = await Promise.all(
			['Tagged 1', 'Tagged 2'].map((name) => clients.prod.createWorkflow(scheduledWorkflow(name))),
		);
		const path = `/api/v1/environments/${environmentIds.prod}`;
		const started = await companion.api(admin, 'POST', `${path}/tagging`, {
			workflowIds: made.map((workflow) => workflow.id),
			add: ['estate-e2e'],
		});
		expect(started.status).toBe(202);
		const events = await readEvents(`${companion.url}/api/v1/jobs/${started.body.id}/events`, {
			authorization: `Bearer ${admin}`,
		});
		expect(events.at(-1)!.data.result.changed).toHaveLength(2);
		const tag = (await companion.api(admin, 'GET', `${path}/tags`)).body.data.find(
			(one: any) => one.name === 'estate-e2e',
		);
		const renamed = await companion.api(admin, 'PATCH', `${path}/tags/${tag.id}`, { name: 'estate-renamed' });
		expect(renamed.body).toMatchObject({ id: tag.id, name: 'estate-renamed' });
		for (const workflow of made)
			expect((await clients.prod.getWorkflow(workflow.id)).tags?.map((one) => one.name)).toEqual(['estate-renamed']);
	});
});
