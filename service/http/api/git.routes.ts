import { z } from 'zod';
import {
	deleteGitMirror,
	getGitMirror,
	gitMirrorSchema,
	setGitMirror,
	testGitMirror,
} from '../../domain/environments/git-mirror';
import { commitSource, pushSnapshot } from '../../domain/snapshots/git-snapshots';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';
import { previewOrApply, restoreModeSchema } from './restore-mode';

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
		path: '/environments/:id/git/restore',
		summary:
			'Restore a pushed snapshot from a commit (sha, branch or tag) of the mirror, as a snapshot restore does: mode preview or apply (admin)',
		permission: 'snapshots.read',
		params: idParams,
		body: restoreModeSchema.extend({
			ref: z.string().trim().min(1).max(250).describe('a commit sha, branch or tag of the mirror'),
		}),
		handler: async (input) =>
			previewOrApply(
				deps,
				input,
				() => commitSource(deps, input.params.id, input.body.ref),
				async () => ({
					kind: 'git_restore',
					environmentId: input.params.id,
					ref: input.body.ref,
					request: { workflowIds: input.body.workflowIds, reason: input.body.reason },
				}),
			),
	}),
];
