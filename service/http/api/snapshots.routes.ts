import { z } from 'zod';
import { compareSnapshot } from '../../domain/snapshots/compare';
import { snapshotSource } from '../../domain/snapshots/restore';
import {
	createSnapshot,
	deleteSnapshot,
	getSnapshot,
	getSnapshotRow,
	listSnapshots,
	newSnapshotSchema,
	snapshotListSchema,
} from '../../domain/snapshots/snapshots';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';
import { previewOrApply, restoreModeSchema } from './restore-mode';

export const snapshotRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/snapshots',
		summary: 'Snapshots, newest first (filter by environmentId)',
		permission: 'snapshots.read',
		query: snapshotListSchema,
		handler: async ({ query }) => listSnapshots(deps.db, query),
	}),
	apiRoute({
		method: 'post',
		path: '/snapshots',
		summary: 'Take a snapshot of an environment’s live workflows (all, or workflowIds), with a label and reason',
		permission: 'snapshots.create',
		body: newSnapshotSchema,
		status: 201,
		handler: async ({ body, audit }) => createSnapshot(deps, audit, body),
	}),
	apiRoute({
		method: 'get',
		path: '/snapshots/:id',
		summary: 'One snapshot and the workflows it holds',
		permission: 'snapshots.read',
		params: idParams,
		handler: async ({ params }) => getSnapshot(deps.db, params.id),
	}),
	apiRoute({
		method: 'delete',
		path: '/snapshots/:id',
		summary: 'Delete a snapshot (admin; audited)',
		permission: 'snapshots.delete',
		params: idParams,
		handler: async ({ params, audit }) => {
			await deleteSnapshot(deps.db, audit, params.id);
		},
	}),
	apiRoute({
		method: 'get',
		path: '/snapshots/:id/compare',
		summary:
			'Compare with the live environment, or with another snapshot (?with=<snapshotId>): per workflow status, risk and diff',
		permission: 'snapshots.read',
		params: idParams,
		query: z.object({ with: z.string().min(1).optional() }),
		handler: async ({ params, query }) => compareSnapshot(deps, params.id, query.with),
	}),
	apiRoute({
		method: 'post',
		path: '/snapshots/:id/restore',
		summary:
			'Restore the snapshot (all, or workflowIds) into its environment: mode preview says what would change, mode apply (admin) does it as a job, or asks for approval where the environment’s class policy says so (202 with approvalRequest)',
		permission: 'snapshots.read',
		params: idParams,
		body: restoreModeSchema,
		handler: async (input) =>
			previewOrApply(
				deps,
				input,
				() => snapshotSource(deps, input.params.id),
				async () => ({
					kind: 'snapshot_restore',
					environmentId: (await getSnapshotRow(deps.db, input.params.id)).environment_id,
					snapshotId: input.params.id,
					request: { workflowIds: input.body.workflowIds, reason: input.body.reason },
				}),
			),
	}),
];
