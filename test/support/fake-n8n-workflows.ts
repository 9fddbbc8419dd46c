import type { N8nWorkflow } from '../../service/n8n/workflow-body';
import { type Companion, startCompanion } from './companion';
import type { FakeExecutions } from './fake-n8n-executions';
import { type FakeHandler, startFakeN8n } from './fake-n8n';
import { syncAndFollow } from './jobs';

export type Fault = (
	method: string,
	id: string | undefined,
	body: any,
	/** What follows the id: activate, deactivate, tags. */
	verb?: string,
) => { status: number; message: string } | undefined;

/**
 * The workflow endpoints of n8n's public API over an in-memory map, for fast tests of restore's
 * bookkeeping (plan, undo, id moves). Real n8n's behaviour is proven by the e2e suite.
 */
export interface FakeWorkflowStore {
	workflows: Map<string, N8nWorkflow>;
	/** Called before each request is answered: return an error to answer with it instead. */
	fault: Fault | undefined;
	/** How long each answer waits, to hold a job open. */
	delayMs: number;
	/** Workflows its list leaves out, as a shift of n8n's offset pages can, while each is still answered by id. */
	unlisted: Set<string>;
	/** The credential list it answers, as n8n 2.x does; absent, a 404 as 1.x answers. */
	credentials?: Array<{ id: string; name: string; type: string }>;
	/** The version its settings give (as 1.x does to anyone); absent, none. */
	version?: string;
	/** What testing each listed credential answers (n8n 2.x); absent ones pass. */
	credentialTests?: Map<string, { status: 'OK' | 'Error'; message: string }>;
	/** The executions it answers for; absent, none. */
	executions?: FakeExecutions;
	reset(list: N8nWorkflow[]): void;
	handler: FakeHandler;
}

export function fakeWorkflowStore(initial: N8nWorkflow[] = []): FakeWorkflowStore {
	const workflows = new Map(initial.map((workflow) => [workflow.id, structuredClone(workflow)]));
	let nextId = 1000;
	const state: FakeWorkflowStore = {
		workflows,
		fault: undefined,
		delayMs: 0,
		unlisted: new Set(),
		reset(list: N8nWorkflow[]) {
			workflows.clear();
			for (const workflow of list) workflows.set(workflow.id, structuredClone(workflow));
		},
		handler: (req, url, raw) => ({ ...answer(req.method ?? 'GET', url, raw), delayMs: state.delayMs }),
	};
	const tags = new Map<string, string>();
	function answer(method: string, url: URL, raw: string): ReturnType<FakeHandler> {
		if (url.pathname.startsWith('/api/v1/executions') && state.executions) return state.executions.answer(method, url);
		const tagRoute = url.pathname.match(/^\/api\/v1\/tags(?:\/([^/]+))?$/);
		if (tagRoute) return answerTags(method, raw, tagRoute[1]);
		if (url.pathname === '/api/v1/credentials' && state.credentials)
			return { status: 200, body: { data: state.credentials, nextCursor: null } };
		if (url.pathname === '/rest/settings' && state.version)
			return { status: 200, body: { data: { versionCli: state.version } } };
		const credentialTest = url.pathname.match(/^\/api\/v1\/credentials\/([^/]+)\/test$/);
		if (credentialTest && method === 'POST') {
			const id = decodeURIComponent(credentialTest[1]);
			if (!state.credentials?.some((credential) => credential.id === id))
				return { status: 404, body: { message: 'Credential not found' } };
			return {
				status: 200,
				body: state.credentialTests?.get(id) ?? { status: 'OK', message: 'Connection successful' },
			};
		}
		const route = url.pathname.match(/^\/api\/v1\/workflows(?:\/([^/]+))?(?:\/([a-z]+))?$/);
		if (!route) return { status: 404, body: { message: 'Not Found' } };
		const [, id, verb] = route;
		const body = raw ? JSON.parse(raw) : undefined;
		const failure = state.fault?.(method, id, body, verb);
		if (failure) return { status: failure.status, body: { message: failure.message } };
		if (!id && method === 'GET') {
			const listed = [...workflows.values()].filter((workflow) => !state.unlisted.has(workflow.id));
			return { status: 200, body: { data: listed, nextCursor: null } };
		}
		if (!id && method === 'POST') {
			const created = {
				...body,
				id: `new-${nextId++}`,
				active: false,
				createdAt: new Date().toISOString(),
			} as N8nWorkflow;
			workflows.set(created.id, created);
			return { status: 200, body: created };
		}
		const found = id ? workflows.get(decodeURIComponent(id)) : undefined;
		if (!found) return { status: 404, body: { message: 'Not Found' } };
		if (verb === 'activate' || verb === 'deactivate') {
			found.active = verb === 'activate';
			return { status: 200, body: found };
		}
		if (verb === 'tags' && method === 'PUT') {
			found.tags = (body as Array<{ id: string }>).map(({ id: tagId }) => ({ id: tagId, name: tags.get(tagId)! }));
			return { status: 200, body: found.tags };
		}
		if (method === 'PUT') {
			const updated = { ...body, id: found.id, active: found.active, tags: found.tags } as N8nWorkflow;
			workflows.set(found.id, updated);
			return { status: 200, body: updated };
		}
		if (method === 'DELETE') {
			workflows.delete(found.id);
			return { status: 200, body: found };
		}
		return { status: 200, body: found };
	}
	function answerTags(method: string, raw: string, id?: string): ReturnType<FakeHandler> {
		if (id && method === 'PUT') {
			if (!tags.has(id)) return { status: 404, body: { message: 'Not Found' } };
			tags.set(id, (JSON.parse(raw) as { name: string }).name);
			return { status: 200, body: { id, name: tags.get(id) } };
		}
		if (method === 'POST') {
			const tag = { id: `tag-${tags.size + 1}`, name: (JSON.parse(raw) as { name: string }).name };
			tags.set(tag.id, tag.name);
			return { status: 201, body: tag };
		}
		return { status: 200, body: { data: [...tags].map(([id, name]) => ({ id, name })), nextCursor: null } };
	}
	return state;
}

/**
 * The companion with an admin token and one environment, "prod", on a fake n8n holding `store`'s
 * workflows.
 */
export async function companionWithFakeN8n(store: FakeWorkflowStore, options?: Parameters<typeof startCompanion>[0]) {
	const companion: Companion = await startCompanion(options);
	const admin = await companion.token('admin');
	const n8n = await startFakeN8n(store.handler);
	const environment = await companion.environment(admin, { name: 'prod', baseUrl: n8n.url, apiKey: 'k' });
	return {
		companion,
		admin,
		environmentId: environment.id as string,
		n8nUrl: n8n.url,
		close: async () => {
			await n8n.close();
			await companion.close();
		},
	};
}

/**
 * The companion with two environments on fake instances: "dev" (class dev) holding `dev`'s workflows
 * and "prod" holding `prod`'s, both synced.
 */
export async function companionWithDevAndProd(
	dev: FakeWorkflowStore,
	prod: FakeWorkflowStore,
	options?: Parameters<typeof startCompanion>[0],
) {
	const setup = await companionWithFakeN8n(prod, options);
	const devN8n = await startFakeN8n(dev.handler);
	const devId: string = (
		await setup.companion.environment(setup.admin, { name: 'dev', baseUrl: devN8n.url, apiKey: 'k', class: 'dev' })
	).id;
	for (const environmentId of [devId, setup.environmentId])
		await syncAndFollow(setup.companion, setup.admin, environmentId);
	return {
		companion: setup.companion,
		admin: setup.admin,
		dev: devId,
		prod: setup.environmentId,
		prodUrl: setup.n8nUrl,
		close: async () => {
			await devN8n.close();
			await setup.close();
		},
	};
}
