import { z } from 'zod';
import { compareSnapshot } from '../../domain/snapshots/compare';
import { previewRestore, restoreRequestSchema, snapshotSource, startRestore } from '../../domain/snapshots/restore';
import {
	createSnapshot,
	deleteSnapshot,
	getSnapshot,
	listSnapshots,
	newSnapshotSchema,
	snapshotListSchema,
} from '../../domain/snapshots/snapshots';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

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
		path: '/snapshots/:id/restore/preview',
		summary:
			'What restoring the snapshot would do, per workflow: action (create, update, delete, none), risk and the diff from live',
		permission: 'snapshots.read',
		params: idParams,
		body: restoreRequestSchema.pick({ workflowIds: true }),
		handler: async ({ params, body }) => previewRestore(deps, await snapshotSource(deps, params.id), body.workflowIds),
	}),
	apiRoute({
		method: 'post',
		path: '/snapshots/:id/restore',
		summary:
			'Restore the snapshot (all, or workflowIds) into its environment: a snapshot of live first, each write read back and verified, all undone on a failure; answers with the job to follow',
		permission: 'snapshots.restore',
		params: idParams,
		body: restoreRequestSchema,
		status: 202,
		handler: async ({ params, body, audit }) => startRestore(deps, audit, await snapshotSource(deps, params.id), body),
	}),
];
