import { z } from 'zod';
import type { N8nTag } from '../../n8n/client';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { TagResolver } from '../changes/tags';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { conflict, DomainError } from '../errors';
import type { Job, Jobs } from '../jobs/jobs';
import { startBulk } from './bulk';

const tagNames = z.array(z.string().trim().min(1).max(100)).max(50).default([]);

export const taggingRequestSchema = z
	.object({
		workflowIds: z.array(z.string().min(1)).min(1).max(1000).describe('the workflows to tag, by n8n id'),
		add: tagNames.describe('tag names to add; a tag n8n lacks is created'),
		remove: tagNames.describe('tag names to take off'),
	})
	.strict()
	.refine((request) => request.add.length || request.remove.length, 'must add or remove at least one tag');
export type TaggingRequest = z.infer<typeof taggingRequestSchema>;

/** Adds and removes tags on workflows, as a bulk job; n8n keeps each workflow's other tags. */
export function startTagging(
	deps: EnvironmentDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
	{ workflowIds, add, remove }: TaggingRequest,
): Promise<Job> {
	const both = add.filter((name) => remove.includes(name));
	if (both.length) throw new DomainError('invalid_request', `add and remove both name ${both.join(', ')}`);
	let tags: TagResolver | undefined;
	const wanted = (names: string[]) => [...new Set([...names.filter((name) => !remove.includes(name)), ...add])].sort();
	return startBulk(deps, context, environmentId, workflowIds, {
		kind: 'workflows.tagging',
		busy: 'A bulk tagging in this environment is already running',
		action: 'workflow.tag',
		about: { add, remove },
		apply: async (client, live) => {
			const had = (live.tags ?? []).map((tag) => tag.name).sort();
			const names = wanted(had);
			if (names.join('\n') === had.join('\n')) return false;
			tags ??= new TagResolver(client);
			await client.setWorkflowTags(live.id, await tags.idsOf(names));
			return true;
		},
		check: (readBack) => {
			const names = (readBack.tags ?? []).map((tag) => tag.name);
			const missing = add.filter((name) => !names.includes(name));
			const left = remove.filter((name) => names.includes(name));
			if (missing.length || left.length) return `n8n reports its tags as ${names.join(', ') || 'none'}`;
			return undefined;
		},
	});
}

export const tagNameSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();

/** An environment's tags, as n8n lists them now. */
export async function listTags(deps: EnvironmentDeps, environmentId: string): Promise<N8nTag[]> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	return deps.n8nClient(n8nTarget(deps, environment)).listTags();
}

/** Creates a tag in n8n, or renames one (its workflows keep it); audited. */
export async function saveTag(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
	name: string,
	tagId?: string,
): Promise<N8nTag> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	const taken = (await client.listTags()).find((tag) => tag.name === name && tag.id !== tagId);
	if (taken) throw conflict(`"${environment.name}" already has a tag named "${name}"`);
	const tag = tagId ? await client.renameTag(tagId, name) : await client.createTag(name);
	await deps.db.transaction().execute((trx) =>
		appendAudit(trx, context, {
			action: tagId ? 'tag.rename' : 'tag.create',
			resourceType: 'tag',
			resourceId: tag.id,
			environmentId,
			metadata: { name },
		}),
	);
	return tag;
}
