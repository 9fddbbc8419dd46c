import type { Db } from '../../db/database';
import type { ChangeAction } from '../../db/schema';
import type { N8nClient } from '../../n8n/client';
import { N8nError } from '../../n8n/errors';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { hasUnpublishedDraft, publishedView } from '../drift/published';
import { messageOf } from '../errors';
import { describeChanges, diffWorkflows } from '../workflows/diff';
import { contentHash } from '../workflows/normalize';
import { recordRecreated } from '../workflows/workflow-identity';
import { mapWorkflowRefs } from '../workflows/workflow-refs';
import {
	type ChangeRow,
	finishChange,
	recordDone,
	recordIntent,
	recordUndo,
	recordWritten,
	type StepRow,
	changeSteps,
	stepsToUndo,
} from './change-log';
import { TagResolver } from './tags';

/** One write of a change to an n8n instance. */
export interface ChangeStep {
	action: ChangeAction;
	/** The target's id of the workflow updated or deleted (null for a create), or the `key` of one this change created. */
	workflowId: string | null;
	name: string;
	/** What is written. Workflows it names by the `key` of one of this change's creates get its new id. */
	workflow?: N8nWorkflow;
	/** A create: the id the change's other workflows name it by until it exists. */
	key?: string;
	/** An update that only switches the workflow on or off: no content is sent. */
	activeOnly?: boolean;
	/** Tag names the workflow ends with; its tags are left alone when absent. */
	tags?: string[];
}

export interface AppliedStep {
	step: ChangeStep;
	/** The workflow's id after the step (a create's new id). */
	id: string;
	/** The workflow as read back after the step (none after a delete). */
	readBack?: N8nWorkflow;
}

/** A change that stopped at `step`; what it had done is undone, but for `undoFailures`. */
export class ChangeFailed extends Error {
	constructor(
		readonly step: ChangeStep,
		readonly reason: string,
		readonly undoFailures: string[],
	) {
		super(reason);
	}
}

/** What a change runs against: its row, the instance, and live n8n before it (its safety snapshot). */
export interface ChangeContext {
	db: Db;
	client: N8nClient;
	change: ChangeRow;
	before: Map<string, N8nWorkflow>;
}

/**
 * Runs the steps in order. Each write is recorded before it is sent (its intent) and after n8n
 * answered, then read back and checked. On the first failure every step recorded is undone from that
 * record, and ChangeFailed says which step failed and what could not be undone. The caller records
 * the change applied (finishChange) with what it does on success, in one transaction.
 */
export async function applyChange(
	context: ChangeContext,
	steps: ChangeStep[],
	report: (done: number, next: ChangeStep) => Promise<void>,
): Promise<AppliedStep[]> {
	const createdIds = new Map<string, string>();
	const tags = new TagResolver(context.client);
	const applied: AppliedStep[] = [];
	for (const [seq, step] of steps.entries()) {
		await report(applied.length, step);
		try {
			const wanted = step.workflow && mapWorkflowRefs(step.workflow, (id) => createdIds.get(id) ?? id);
			const workflowId = step.workflowId && (createdIds.get(step.workflowId) ?? step.workflowId);
			const done = await applyStep(context, seq, { ...step, workflowId }, wanted, tags);
			applied.push({ ...done, step });
			if (step.key) createdIds.set(step.key, done.id);
		} catch (error) {
			throw new ChangeFailed(step, messageOf(error), await undoChange(context, messageOf(error)));
		}
	}
	return applied;
}

async function applyStep(
	{ db, client, change, before }: ChangeContext,
	seq: number,
	step: ChangeStep,
	wanted: N8nWorkflow | undefined,
	tags: TagResolver,
): Promise<AppliedStep> {
	const expectedHash = wanted ? contentHash(await client.writable(wanted)) : null;
	await recordIntent(db, change.id, seq, { ...step, expectedHash });
	let id = step.workflowId ?? '';
	if (step.action === 'delete') {
		// Unpublished first: n8n stops its triggers before the workflow goes.
		if (before.get(id)?.active) await client.setActive(id, false);
		await client.deleteWorkflow(id);
		await recordDone(db, change.id, seq, id);
		return { step, id };
	}
	if (step.action === 'create') id = (await client.createWorkflow(wanted!)).id;
	else if (!step.activeOnly) await client.updateWorkflow(id, wanted!);
	await recordDone(db, change.id, seq, id);
	const was = step.workflowId ? before.get(step.workflowId) : undefined;
	if (step.tags && !sameTags(step.tags, was)) await client.setWorkflowTags(id, await tags.idsOf(step.tags));
	const readBack = await settle(client, id, wanted!);
	// What the target holds now, as n8n names it: a later rollback tells a change made since by it.
	await recordWritten(db, change.id, seq, contentHash(await client.writable(readBack)));
	return { step, id, readBack };
}

const tagNames = (workflow: N8nWorkflow | undefined) => (workflow?.tags ?? []).map((tag) => tag.name).sort();
const sameTags = (names: string[], workflow: N8nWorkflow | undefined) =>
	JSON.stringify([...names].sort()) === JSON.stringify(tagNames(workflow));

/**
 * Switches the written workflow on or off as wanted (on 2.x, an active one runs what was just written:
 * it is published again), then reads it back, checks what could be written of it, and returns it.
 */
async function settle(client: N8nClient, id: string, wanted: N8nWorkflow): Promise<N8nWorkflow> {
	let readBack = await client.getWorkflow(id);
	if (readBack.active !== wanted.active || (wanted.active && hasUnpublishedDraft(readBack))) {
		await client.setActive(id, wanted.active);
		readBack = await client.getWorkflow(id);
	}
	const [written, read] = [
		await client.writable(withCredentialNamesOf(readBack, wanted)),
		await client.writable(readBack),
	];
	if (contentHash(read) !== contentHash(written))
		throw new Error(`it read back different from what was written: ${describeChanges(diffWorkflows(written, read))}`);
	if (readBack.active !== wanted.active)
		throw new Error(
			`it read back ${readBack.active ? 'active' : 'inactive'}, not ${wanted.active ? 'active' : 'inactive'}`,
		);
	return readBack;
}

/**
 * `wanted` with each credential named as n8n names it, where the read-back has the same credential id:
 * a credential is bound by its id, and where the target cannot list its credentials (1.x) the name
 * sent is only the source's.
 */
function withCredentialNamesOf(readBack: N8nWorkflow, wanted: N8nWorkflow): N8nWorkflow {
	const readNodes = new Map(readBack.nodes.map((node) => [node.name, node]));
	return {
		...wanted,
		nodes: wanted.nodes.map((node) => {
			const read = readNodes.get(node.name)?.credentials;
			if (!node.credentials || !read) return node;
			const credentials = Object.fromEntries(
				Object.entries(node.credentials).map(([type, credential]) => {
					const named = read[type];
					return typeof credential === 'object' && typeof named === 'object' && named.id === credential.id
						? [type, { ...credential, name: named.name }]
						: [type, credential];
				}),
			);
			return { ...node, credentials };
		}),
	};
}

/**
 * Puts back what the change's recorded steps did, last first, from the record alone (so it also
 * serves a companion restarted mid-change): a created workflow is deleted (found by its intent when
 * its answer was lost), an updated one gets its content, tags and active state from before, a deleted
 * one is created again (under a new id, recorded as its move). Finishes the change undone, or
 * undo_failed with what could not be put back, which it returns.
 */
export async function undoChange(context: ChangeContext, cause: string): Promise<string[]> {
	const { db, client, change } = context;
	const movedIds = new Map<string, string>();
	const tags = new TagResolver(client);
	const failures: string[] = [];
	const created = createdBy(await changeSteps(db, change.id));
	for (const step of await stepsToUndo(db, change.id)) {
		try {
			// A workflow the change created is deleted by the undo of its create, whatever was written to it since.
			if (!(step.action === 'update' && created.has(step.workflow_id!))) await undoStep(context, step, movedIds, tags);
			await recordUndo(db, change.id, step.seq, null);
		} catch (error) {
			failures.push(`"${step.name}" (${step.workflow_id ?? step.result_id ?? 'not created'}): ${messageOf(error)}`);
			await recordUndo(db, change.id, step.seq, messageOf(error));
		}
	}
	await finishChange(db, change.id, failures.length ? 'undo_failed' : 'undone', cause);
	return failures;
}

async function undoStep(
	{ db, client, change, before }: ChangeContext,
	step: StepRow,
	movedIds: Map<string, string>,
	tags: TagResolver,
): Promise<void> {
	if (step.action === 'create') {
		const id = step.result_id ?? (await findCreated(client, step));
		if (id) await ignoreNotFound(client.deleteWorkflow(id));
		return;
	}
	const id = step.workflow_id!;
	const was = before.get(id);
	if (!was) throw new Error(`its content before the change is not in the safety snapshot`);
	// What ran (on 2.x a draft saved since the last publish cannot be put back through the public API,
	// which publishes what it writes to a running workflow; the safety snapshot keeps it).
	const put = mapWorkflowRefs(publishedView(was), (ref) => movedIds.get(ref) ?? ref);
	if (step.action === 'delete') {
		if (step.state === 'intent' && (await exists(client, id))) return;
		const recreated = await client.createWorkflow(put);
		movedIds.set(id, recreated.id);
		await recordRecreated(db, change.environment_id, id, recreated);
		if (tagNames(was).length) await client.setWorkflowTags(recreated.id, await tags.idsOf(tagNames(was)));
		await settle(client, recreated.id, put);
		return;
	}
	const live = await client.getWorkflow(id);
	if (contentHash(await client.writable(live)) !== contentHash(await client.writable(put)))
		await client.updateWorkflow(id, put);
	if (!sameTags(tagNames(was), live)) await client.setWorkflowTags(id, await tags.idsOf(tagNames(was)));
	await settle(client, id, put);
}

/** The ids of the workflows a change's steps created. */
export const createdBy = (steps: StepRow[]): Set<string> =>
	new Set(steps.flatMap((step) => (step.action === 'create' && step.result_id ? [step.result_id] : [])));

/**
 * The workflow a create made when its answer was never recorded: the one with the intent's name,
 * created since the intent, holding exactly what the step wrote. None if n8n never got the write.
 */
async function findCreated(client: N8nClient, step: StepRow): Promise<string | undefined> {
	const since = Date.parse(step.intent_at) - CLOCK_SKEW_MS;
	for (const workflow of await client.listWorkflows()) {
		if (workflow.name !== step.name || Date.parse(workflow.createdAt ?? '') < since) continue;
		if (contentHash(await client.writable(workflow)) === step.expected_hash) return workflow.id;
	}
	return undefined;
}

/** How far n8n's clock may be behind ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

async function exists(client: N8nClient, id: string): Promise<boolean> {
	return (await client.getWorkflowIfAny(id)) !== undefined;
}

async function ignoreNotFound(deletion: Promise<void>): Promise<void> {
	try {
		await deletion;
	} catch (error) {
		if (!(error instanceof N8nError && error.status === 404)) throw error;
	}
}
