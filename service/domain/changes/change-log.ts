import crypto from 'node:crypto';
import type { Db } from '../../db/database';
import { isUniqueViolation } from '../../db/dialect';
import { ORPHANED } from '../jobs/orphaned';
import type { ChangeAction, ChangeKind, ChangeStatus, ChangeStepsTable, ChangesTable } from '../../db/schema';
import { conflict } from '../errors';

export type ChangeRow = ChangesTable;
export type StepRow = ChangeStepsTable;

export interface NewChange {
	kind: ChangeKind;
	environmentId: string;
	subject: string;
	description: string;
	/** The replica that runs it. */
	replicaId: string;
}

/**
 * Records a change as running on its instance: one running change per instance, checked and recorded
 * in one transaction (transactions run one at a time); while another runs, this is a 409 naming it.
 */
export async function beginChange(db: Db, change: NewChange): Promise<ChangeRow> {
	if (!db.isTransaction) return db.transaction().execute((trx) => beginChange(trx, change));
	const running = await db
		.selectFrom('changes')
		.select(['id', 'description', 'subject'])
		.where('environment_id', '=', change.environmentId)
		.where('status', '=', 'running')
		.executeTakeFirst();
	if (running)
		throw conflict(
			`Another change to this n8n is running (${running.description}): one change at a time per instance`,
			{
				changeId: running.id,
				subject: running.subject,
			},
		);
	const row: ChangeRow = {
		id: crypto.randomUUID(),
		kind: change.kind,
		environment_id: change.environmentId,
		subject: change.subject,
		description: change.description,
		safety_snapshot_id: null,
		status: 'running',
		error: null,
		started_at: new Date().toISOString(),
		finished_at: null,
		replica_id: change.replicaId,
	};
	await db.insertInto('changes').values(row).execute();
	return row;
}

/** Runs a change's undo again (it could not finish): the change is running again, one per instance still. */
export async function reopenChange(db: Db, change: ChangeRow, replicaId: string): Promise<void> {
	try {
		await db
			.updateTable('changes')
			.set({ status: 'running', finished_at: null, replica_id: replicaId })
			.where('id', '=', change.id)
			.where('status', '=', 'undo_failed')
			.execute();
	} catch (error) {
		if (!isUniqueViolation(error)) throw error;
		throw conflict('Another change to this n8n is running: one change at a time per instance');
	}
}

export async function setSafetySnapshot(db: Db, id: string, snapshotId: string): Promise<void> {
	await db.updateTable('changes').set({ safety_snapshot_id: snapshotId }).where('id', '=', id).execute();
}

export async function finishChange(db: Db, id: string, status: ChangeStatus, error: string | null = null) {
	await db
		.updateTable('changes')
		.set({ status, error, finished_at: new Date().toISOString() })
		.where('id', '=', id)
		.execute();
}

export async function getChange(db: Db, id: string): Promise<ChangeRow | undefined> {
	return db.selectFrom('changes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function latestChangeFor(db: Db, subject: string): Promise<ChangeRow | undefined> {
	return db
		.selectFrom('changes')
		.selectAll()
		.where('subject', '=', subject)
		.orderBy('started_at', 'desc')
		.limit(1)
		.executeTakeFirst();
}

/** Takes over the running changes whose replica is gone, for `replicaId` to undo; returns them. */
export async function claimOrphanedChanges(trx: Db, replicaId: string): Promise<ChangeRow[]> {
	return trx
		.updateTable('changes')
		.set({ replica_id: replicaId })
		.where('status', '=', 'running')
		.where(ORPHANED)
		.returningAll()
		.execute();
}

/** Before a write is sent: what it is, so that a crash before its answer is recorded can still be undone. */
export async function recordIntent(
	db: Db,
	changeId: string,
	seq: number,
	step: { action: ChangeAction; workflowId: string | null; name: string; expectedHash: string | null },
): Promise<void> {
	await db
		.insertInto('change_steps')
		.values({
			change_id: changeId,
			seq,
			action: step.action,
			workflow_id: step.workflowId,
			result_id: null,
			name: step.name,
			expected_hash: step.expectedHash,
			state: 'intent',
			error: null,
			intent_at: new Date().toISOString(),
			done_at: null,
		})
		.execute();
}

export async function recordDone(db: Db, changeId: string, seq: number, resultId: string): Promise<void> {
	await db
		.updateTable('change_steps')
		.set({ state: 'done', result_id: resultId, done_at: new Date().toISOString() })
		.where('change_id', '=', changeId)
		.where('seq', '=', seq)
		.execute();
}

/** After the read-back: the content hash of what the step left, as the target's API gives it back. */
export async function recordWritten(db: Db, changeId: string, seq: number, hash: string): Promise<void> {
	await db
		.updateTable('change_steps')
		.set({ expected_hash: hash })
		.where('change_id', '=', changeId)
		.where('seq', '=', seq)
		.execute();
}

export async function recordUndo(db: Db, changeId: string, seq: number, error: string | null): Promise<void> {
	await db
		.updateTable('change_steps')
		.set({ state: error ? 'undo_failed' : 'undone', error })
		.where('change_id', '=', changeId)
		.where('seq', '=', seq)
		.execute();
}

/** The steps not yet undone, last first: what an undo has to put back. */
export async function stepsToUndo(db: Db, changeId: string): Promise<StepRow[]> {
	return db
		.selectFrom('change_steps')
		.selectAll()
		.where('change_id', '=', changeId)
		.where('state', 'in', ['intent', 'done', 'undo_failed'])
		.orderBy('seq', 'desc')
		.execute();
}

export async function changeSteps(db: Db, changeId: string): Promise<StepRow[]> {
	return db.selectFrom('change_steps').selectAll().where('change_id', '=', changeId).orderBy('seq').execute();
}
