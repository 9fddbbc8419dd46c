import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { CanonicalStatus, Database } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { conflict, DomainError, notFound } from '../errors';

export interface LinkCandidate {
	environmentId: string;
	environmentName: string;
	workflowId: string;
	name: string;
	canonicalId: string;
	contentHash: string;
}

export interface LinkProposal {
	/** Stable while the same canonical workflows make it. */
	id: string;
	/** How the names matched: all the same, or the same once case, punctuation and environment words are set aside. */
	match: 'exact' | 'normalised';
	/** Each environment has one candidate: confirming it links them all. */
	unambiguous: boolean;
	/** Every candidate has the same content. */
	sameContent: boolean;
	candidates: LinkCandidate[];
}

export const memberSchema = z.object({ environmentId: z.string().min(1), workflowId: z.string().min(1) }).strict();
export const linkRequestSchema = z
	.object({
		members: z
			.array(memberSchema)
			.min(2)
			.max(50)
			.describe('one workflow per environment: they become one canonical workflow'),
	})
	.strict();
export type Member = z.infer<typeof memberSchema>;

export const confirmRequestSchema = z
	.object({
		match: z
			.enum(['exact', 'normalised'])
			.optional()
			.describe('only proposals matched this way; all unambiguous ones when absent'),
	})
	.strict();

const ENVIRONMENT_WORDS = 'dev|development|test|testing|qa|uat|stage|staging|stg|preprod|prod|production|live';
const MARKED = new RegExp(`[[(](?:${ENVIRONMENT_WORDS})[\\])]`, 'gu');
// At either end, an environment word counts only with a separator other than a space: "Prod - Sync", "sync_prod".
const AT_EDGE = new RegExp(`^(?:${ENVIRONMENT_WORDS})\\s*[-_:|/]+|[-_:|/]+\\s*(?:${ENVIRONMENT_WORDS})$`, 'gu');

/** A name with case, punctuation, spacing and environment markers ("[prod]", "dev - ", " (staging)") set aside. */
export function normalisedName(name: string): string {
	return name
		.toLowerCase()
		.replace(MARKED, ' ')
		.trim()
		.replace(AT_EDGE, '')
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}

/**
 * Canonical workflows that look like one workflow in several environments: of the same name once case,
 * punctuation and environment words are set aside; those whose names are all the same come first.
 * Ignored ones, rejected proposals and groups that no link could join are left out.
 */
export async function linkProposals(db: Db): Promise<LinkProposal[]> {
	const entries: LinkCandidate[] = (
		await db
			.selectFrom('workflow_inventory')
			.innerJoin('canonical_workflows', 'canonical_workflows.id', 'workflow_inventory.canonical_id')
			.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
			.select([
				'workflow_inventory.environment_id',
				'environments.name as environment_name',
				'workflow_inventory.n8n_id',
				'workflow_inventory.name',
				'workflow_inventory.canonical_id',
				'workflow_inventory.content_hash',
			])
			.where('canonical_workflows.status', '!=', 'IGNORED')
			.orderBy('workflow_inventory.name')
			.orderBy('environments.name')
			.execute()
	).map((row) => ({
		environmentId: row.environment_id,
		environmentName: row.environment_name,
		workflowId: row.n8n_id,
		name: row.name,
		canonicalId: row.canonical_id,
		contentHash: row.content_hash,
	}));
	const rejected = new Set(
		(await db.selectFrom('link_rejections').select('proposal_id').execute()).map((row) => row.proposal_id),
	);
	const byCanonical = groupBy(entries, (entry) => entry.canonicalId);
	const proposals: LinkProposal[] = [];
	for (const [key, group] of groupBy(entries, (entry) => normalisedName(entry.name))) {
		const canonicalIds = [...new Set(group.map((entry) => entry.canonicalId))];
		if (!key || canonicalIds.length < 2) continue;
		const candidates = canonicalIds.flatMap((id) => byCanonical.get(id)!);
		if (!someDisjoint(canonicalIds.map((id) => byCanonical.get(id)!))) continue;
		const id = proposalId(canonicalIds);
		if (rejected.has(id)) continue;
		proposals.push({
			id,
			match: new Set(candidates.map((candidate) => candidate.name)).size === 1 ? 'exact' : 'normalised',
			unambiguous: new Set(candidates.map((candidate) => candidate.environmentId)).size === candidates.length,
			sameContent: new Set(candidates.map((candidate) => candidate.contentHash)).size === 1,
			candidates,
		});
	}
	return proposals.sort((a, b) => (a.match === b.match ? 0 : a.match === 'exact' ? -1 : 1));
}

/** Whether two of the canonical workflows are in no environment together, so could be linked. */
function someDisjoint(canonicals: LinkCandidate[][]): boolean {
	const environmentsOf = canonicals.map((entries) => new Set(entries.map((entry) => entry.environmentId)));
	return environmentsOf.some((one, i) =>
		environmentsOf.some((other, j) => j > i && [...one].every((environment) => !other.has(environment))),
	);
}

const proposalId = (canonicalIds: string[]) =>
	crypto
		.createHash('sha256')
		.update([...canonicalIds].sort().join('\n'))
		.digest('hex')
		.slice(0, 32);

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const group = groups.get(key(item));
		if (group) group.push(item);
		else groups.set(key(item), [item]);
	}
	return groups;
}

export interface Linked {
	canonicalId: string;
	members: Array<Member & { name: string }>;
}

/**
 * Makes the workflows one canonical workflow, LINKED: the canonical workflows they were join the one
 * already linked (else the oldest), with their snapshots. Refused when an environment would then hold two.
 */
export async function linkWorkflows(db: Db, context: AuditContext, members: Member[]): Promise<Linked> {
	return db.transaction().execute((trx) => link(trx, context, members, null));
}

async function link(
	trx: Transaction<Database>,
	context: AuditContext,
	members: Member[],
	proposal: LinkProposal | null,
): Promise<Linked> {
	if (members.length < 2)
		throw new DomainError('invalid_request', 'members: choose workflows in at least two environments');
	const environments = members.map((member) => member.environmentId);
	const twice = environments.find((id, index) => environments.indexOf(id) !== index);
	if (twice)
		throw new DomainError(
			'invalid_request',
			`members: environment ${twice} is named twice; link one workflow per environment`,
		);
	const rows = [];
	for (const member of members) {
		const row = await trx
			.selectFrom('workflow_inventory')
			.select(['environment_id', 'n8n_id', 'name', 'canonical_id'])
			.where('environment_id', '=', member.environmentId)
			.where('n8n_id', '=', member.workflowId)
			.executeTakeFirst();
		if (!row)
			throw new DomainError(
				'unprocessable',
				`members: environment ${member.environmentId} has no synced workflow ${member.workflowId} (sync it first)`,
				member,
			);
		rows.push(row);
	}
	const canonicalIds = [...new Set(rows.map((row) => row.canonical_id))];
	if (canonicalIds.length === 1) throw conflict('These workflows are already linked');
	const canonicals = await trx
		.selectFrom('canonical_workflows')
		.selectAll()
		.where('id', 'in', canonicalIds)
		.orderBy('created_at')
		.execute();
	const together = await trx
		.selectFrom('workflow_inventory')
		.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
		.select(['workflow_inventory.environment_id', 'environments.name as environment_name', 'workflow_inventory.name'])
		.where('canonical_id', 'in', canonicalIds)
		.execute();
	const crowded = together.find((row, index) =>
		together.some((other, before) => before < index && other.environment_id === row.environment_id),
	);
	if (crowded)
		throw conflict(
			`"${crowded.environment_name}" would hold two workflows of one canonical workflow (one of them "${crowded.name}", linked already): unlink it first`,
		);
	const into = (canonicals.find((canonical) => canonical.status === 'LINKED') ?? canonicals[0]).id;
	const absorbed = canonicalIds.filter((id) => id !== into);
	await trx
		.updateTable('workflow_inventory')
		.set({ canonical_id: into })
		.where('canonical_id', 'in', absorbed)
		.execute();
	await trx.updateTable('snapshot_items').set({ canonical_id: into }).where('canonical_id', 'in', absorbed).execute();
	await trx.deleteFrom('canonical_workflows').where('id', 'in', absorbed).execute();
	await trx.updateTable('canonical_workflows').set({ status: 'LINKED' }).where('id', '=', into).execute();
	const linked = {
		canonicalId: into,
		members: rows.map((row) => ({ environmentId: row.environment_id, workflowId: row.n8n_id, name: row.name })),
	};
	await appendAudit(trx, context, {
		action: 'workflow.link',
		resourceType: 'workflow',
		resourceId: into,
		metadata: { ...linked, absorbed, proposal: proposal && { id: proposal.id, match: proposal.match } },
	});
	return linked;
}

/** Links every unambiguous proposal (of one kind of match, when given), each on its own. */
export async function confirmProposals(
	db: Db,
	context: AuditContext,
	match: LinkProposal['match'] | undefined,
): Promise<Linked[]> {
	const chosen = (await linkProposals(db)).filter(
		(proposal) => proposal.unambiguous && (!match || proposal.match === match),
	);
	const linked: Linked[] = [];
	for (const proposal of chosen)
		linked.push(await db.transaction().execute((trx) => link(trx, context, membersOf(proposal), proposal)));
	return linked;
}

/** Links one proposal; an ambiguous one must be linked by naming its members. */
export async function confirmProposal(db: Db, context: AuditContext, id: string): Promise<Linked> {
	const proposal = (await linkProposals(db)).find((candidate) => candidate.id === id);
	if (!proposal) throw notFound('Link proposal');
	if (!proposal.unambiguous)
		throw conflict(
			'An environment has several candidates in this proposal: link the ones you mean by naming them (POST /api/v1/workflow-links)',
			{ candidates: proposal.candidates },
		);
	return db.transaction().execute((trx) => link(trx, context, membersOf(proposal), proposal));
}

const membersOf = (proposal: LinkProposal): Member[] =>
	proposal.candidates.map(({ environmentId, workflowId }) => ({ environmentId, workflowId }));

export async function rejectProposal(db: Db, context: AuditContext, id: string): Promise<void> {
	const proposal = (await linkProposals(db)).find((candidate) => candidate.id === id);
	if (!proposal) throw notFound('Link proposal');
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('link_rejections')
			.values({ proposal_id: id, rejected_by: context.actor.name, rejected_at: new Date().toISOString() })
			.execute();
		await appendAudit(trx, context, {
			action: 'workflow.link_reject',
			resourceType: 'workflow',
			resourceId: proposal.candidates[0].canonicalId,
			metadata: { proposal: id, match: proposal.match, candidates: proposal.candidates },
		});
	});
}

/**
 * Takes one environment's workflow out of a canonical workflow: it gets an identity of its own (and its
 * snapshots with it), and the two are not proposed together again.
 */
export async function unlinkWorkflow(
	db: Db,
	context: AuditContext,
	canonicalId: string,
	environmentId: string,
): Promise<{ canonicalId: string; unlinkedCanonicalId: string }> {
	return db.transaction().execute(async (trx) => {
		const rows = await trx
			.selectFrom('workflow_inventory')
			.select(['environment_id', 'n8n_id', 'name'])
			.where('canonical_id', '=', canonicalId)
			.execute();
		const row = rows.find((candidate) => candidate.environment_id === environmentId);
		if (!row) throw notFound('The workflow in that environment');
		if (rows.length === 1) throw conflict('This workflow is not linked to any other environment');
		const now = new Date().toISOString();
		const unlinkedCanonicalId = crypto.randomUUID();
		await trx
			.insertInto('canonical_workflows')
			.values({ id: unlinkedCanonicalId, name: row.name, status: 'UNMAPPED', created_at: now })
			.execute();
		await trx
			.updateTable('workflow_inventory')
			.set({ canonical_id: unlinkedCanonicalId })
			.where('environment_id', '=', environmentId)
			.where('n8n_id', '=', row.n8n_id)
			.execute();
		await trx
			.updateTable('snapshot_items')
			.set({ canonical_id: unlinkedCanonicalId })
			.where('canonical_id', '=', canonicalId)
			.where('snapshot_id', 'in', (eb) =>
				eb.selectFrom('snapshots').select('id').where('environment_id', '=', environmentId),
			)
			.execute();
		if (rows.length === 2)
			await trx.updateTable('canonical_workflows').set({ status: 'UNMAPPED' }).where('id', '=', canonicalId).execute();
		await trx
			.insertInto('link_rejections')
			.values({
				proposal_id: proposalId([canonicalId, unlinkedCanonicalId]),
				rejected_by: context.actor.name,
				rejected_at: now,
			})
			.execute();
		await appendAudit(trx, context, {
			action: 'workflow.unlink',
			resourceType: 'workflow',
			resourceId: canonicalId,
			environmentId,
			metadata: { workflowId: row.n8n_id, name: row.name, unlinkedCanonicalId },
		});
		return { canonicalId, unlinkedCanonicalId };
	});
}

function statusAcross(environments: number): CanonicalStatus {
	if (environments > 1) return 'LINKED';
	return environments ? 'UNMAPPED' : 'MISSING';
}

/** Ignored workflows are left out of proposals; un-ignored, a workflow is LINKED, UNMAPPED or MISSING again. */
export async function setIgnored(
	db: Db,
	context: AuditContext,
	canonicalId: string,
	ignored: boolean,
): Promise<{ canonicalId: string; status: CanonicalStatus }> {
	return db.transaction().execute(async (trx) => {
		const canonical = await trx
			.selectFrom('canonical_workflows')
			.select('status')
			.where('id', '=', canonicalId)
			.executeTakeFirst();
		if (!canonical) throw notFound('Workflow');
		const { count } = await trx
			.selectFrom('workflow_inventory')
			.select((eb) => eb.fn.count<number>('environment_id').distinct().as('count'))
			.where('canonical_id', '=', canonicalId)
			.executeTakeFirstOrThrow();
		const environments = Number(count);
		const status = ignored ? 'IGNORED' : statusAcross(environments);
		if (status === canonical.status) return { canonicalId, status };
		await trx.updateTable('canonical_workflows').set({ status }).where('id', '=', canonicalId).execute();
		await appendAudit(trx, context, {
			action: ignored ? 'workflow.ignore' : 'workflow.unignore',
			resourceType: 'workflow',
			resourceId: canonicalId,
			metadata: { from: canonical.status, to: status },
		});
		return { canonicalId, status };
	});
}
