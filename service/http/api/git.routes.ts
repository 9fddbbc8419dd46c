import { z } from 'zod';
import {
	deleteGitMirror,
	getGitMirror,
	gitMirrorSchema,
	setGitMirror,
	testGitMirror,
} from '../../domain/environments/git-mirror';
import { commitSource, pushSnapshot } from '../../domain/snapshots/git-snapshots';
import { previewRestore, restoreRequestSchema, startRestore } from '../../domain/snapshots/restore';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

const commitRestoreSchema = restoreRequestSchema.extend({
	ref: z.string().trim().min(1).max(250).describe('a commit sha, branch or tag of the mirror'),
});

export const gitRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/environments/:id/git',
		summary: 'The environment’s GitHub mirror (never its token), or null',
		permission: 'environments.read',
		params: idParams,
		handler: async ({ params }) => ({ mirror: await getGitMirror(deps.db, params.id) }),
	}),
	apiRoute({
		method: 'put',
		path: '/environments/:id/git',
		summary: 'Set up or change the GitHub mirror: owner, repo, branch, path prefix, token (encrypted at rest)',
		permission: 'environments.manage',
		params: idParams,
		body: gitMirrorSchema,
		handler: async ({ params, body, audit }) => setGitMirror(deps, audit, params.id, body),
	}),
	apiRoute({
		method: 'delete',
		path: '/environments/:id/git',
		summary: 'Remove the GitHub mirror (the repository is left as it is)',
		permission: 'environments.manage',
		params: idParams,
		handler: async ({ params, audit }) => {
			await deleteGitMirror(deps.db, audit, params.id);
		},
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/git/test',
		summary: 'Test the mirror: repository readable, push allowed, branch there',
		permission: 'environments.test',
		params: idParams,
		handler: async ({ params }) => testGitMirror(deps, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/snapshots/:id/push',
		summary: 'Push the snapshot to its environment’s GitHub mirror as one commit (one file per workflow, a manifest)',
		permission: 'snapshots.create',
		params: idParams,
		handler: async ({ params, audit }) => pushSnapshot(deps, audit, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/git/restore/preview',
		summary: 'What restoring a pushed snapshot from a commit of the mirror would do, per workflow',
		permission: 'snapshots.read',
		params: idParams,
		body: commitRestoreSchema.pick({ ref: true, workflowIds: true }),
		handler: async ({ params, body }) =>
			previewRestore(deps, await commitSource(deps, params.id, body.ref), body.workflowIds),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/git/restore',
		summary: 'Restore from a commit of the mirror, as a snapshot restore does; answers with the job to follow',
		permission: 'snapshots.restore',
		params: idParams,
		body: commitRestoreSchema,
		status: 202,
		handler: async ({ params, body, audit }) =>
			startRestore(deps, audit, await commitSource(deps, params.id, body.ref), body),
	}),
];
