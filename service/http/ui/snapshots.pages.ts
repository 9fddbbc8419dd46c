import type { Request, Response } from 'express';
import { z } from 'zod';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import { getGitMirror } from '../../domain/environments/git-mirror';
import { compareSnapshot } from '../../domain/snapshots/compare';
import { pushSnapshot } from '../../domain/snapshots/git-snapshots';
import { previewRestore, snapshotSource } from '../../domain/snapshots/restore';
import {
	createSnapshot,
	deleteSnapshot,
	getSnapshot,
	listSnapshots,
	newSnapshotSchema,
	snapshotListSchema,
} from '../../domain/snapshots/snapshots';
import { auditContext } from '../caller';
import { outageOf } from '../../domain/health/health-history';
import type { AppDeps } from '../deps';
import { withDiffViews } from './diff-view';
import { echo, type FormErrors, parseForm, userFacingError } from './forms';
import { policyOf, renderGatedJob } from './gated';
import type { UiRoute } from './ui-route';
import { render } from './views';

const restoreFormSchema = z.object({
	workflowIds: z.union([z.string(), z.array(z.string())]).transform((ids) => (Array.isArray(ids) ? ids : [ids])),
	reason: z.string().trim().max(2000).default(''),
});

/** Snapshots of an environment: take one, list them, open one, compare, restore, push, delete. */
export const snapshotPages = (deps: AppDeps): UiRoute[] => {
	const showList = async (
		req: Request,
		res: Response,
		values: Record<string, string>,
		errors: FormErrors,
		status = 200,
	) => {
		const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
		const query = snapshotListSchema.safeParse({ ...req.query, environmentId: environment.id });
		const page = await listSnapshots(
			deps.db,
			query.success ? query.data : { environmentId: environment.id, limit: 50 },
		);
		const outage = await outageOf(deps.db, environment.id);
		render(req, res, 'pages/snapshots', { environment, page, values, errors, outage }, { status });
	};
	const loadSnapshot = async (req: Request) => {
		const snapshot = await getSnapshot(deps.db, String(req.params.id));
		const environment = toEnvironment(await getEnvironmentRow(deps.db, snapshot.environmentId));
		return { snapshot, environment };
	};

	return [
		{
			method: 'get',
			path: '/environments/:id/snapshots',
			permission: 'snapshots.read',
			handler: (req, res) => showList(req, res, {}, {}),
		},
		{
			method: 'post',
			path: '/environments/:id/snapshots',
			permission: 'snapshots.create',
			handler: async (req, res) => {
				const form = parseForm(newSnapshotSchema, { ...req.body, environmentId: String(req.params.id) });
				if (form.errors) return showList(req, res, echo(req.body), form.errors, 422);
				try {
					const snapshot = await createSnapshot(deps, auditContext(req), form.data);
					res.redirect(303, `/snapshots/${snapshot.id}`);
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					await showList(req, res, echo(req.body), { form: message }, status);
				}
			},
		},
		{
			method: 'get',
			path: '/snapshots/:id',
			permission: 'snapshots.read',
			handler: async (req, res) => {
				const { snapshot, environment } = await loadSnapshot(req);
				const others = (await listSnapshots(deps.db, { environmentId: environment.id, limit: 100 })).data.filter(
					(other) => other.id !== snapshot.id,
				);
				const mirror = await getGitMirror(deps.db, environment.id);
				const lastRestore = await deps.jobs.latestFor(`snapshot:${snapshot.id}`);
				render(req, res, 'pages/snapshot', { snapshot, environment, others, mirror, lastRestore });
			},
		},
		{
			method: 'get',
			path: '/snapshots/:id/compare',
			permission: 'snapshots.read',
			handler: async (req, res) => {
				const { snapshot, environment } = await loadSnapshot(req);
				const other = typeof req.query.with === 'string' && req.query.with ? req.query.with : undefined;
				const against = other ? await getSnapshot(deps.db, other) : null;
				try {
					const { workflows } = await compareSnapshot(deps, snapshot.id, other);
					render(req, res, 'pages/snapshot-compare', {
						snapshot,
						environment,
						against,
						workflows: withDiffViews(workflows),
					});
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'pages/error', { status, message }, { status });
				}
			},
		},
		{
			method: 'get',
			path: '/snapshots/:id/restore',
			permission: 'snapshots.read',
			handler: async (req, res) => {
				const { snapshot, environment } = await loadSnapshot(req);
				try {
					const { workflows } = await previewRestore(deps, await snapshotSource(deps, snapshot.id));
					render(req, res, 'pages/snapshot-restore', {
						snapshot,
						environment,
						workflows: withDiffViews(workflows),
						policy: await policyOf(deps, environment.class),
					});
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'pages/error', { status, message }, { status });
				}
			},
		},
		{
			method: 'post',
			path: '/snapshots/:id/restore',
			permission: 'snapshots.restore',
			handler: async (req, res) => {
				const form = parseForm(restoreFormSchema, req.body);
				if (form.errors)
					return render(
						req,
						res,
						'partials/error',
						{ message: 'Tick at least one workflow to restore.' },
						{ status: 422 },
					);
				try {
					const { snapshot } = await loadSnapshot(req);
					await renderGatedJob(deps, req, res, {
						kind: 'snapshot_restore',
						environmentId: snapshot.environmentId,
						snapshotId: snapshot.id,
						request: { workflowIds: form.data.workflowIds, reason: form.data.reason },
					});
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'partials/error', { message }, { status });
				}
			},
		},
		{
			method: 'post',
			path: '/snapshots/:id/push',
			permission: 'snapshots.create',
			handler: async (req, res) => {
				try {
					const result = await pushSnapshot(deps, auditContext(req), String(req.params.id));
					render(req, res, 'partials/push-result', { result, error: null });
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'partials/push-result', { result: null, error: message }, { status });
				}
			},
		},
		{
			method: 'post',
			path: '/snapshots/:id/delete',
			permission: 'snapshots.delete',
			handler: async (req, res) => {
				const { snapshot } = await loadSnapshot(req);
				await deleteSnapshot(deps.db, auditContext(req), snapshot.id);
				res.redirect(303, `/environments/${snapshot.environmentId}/snapshots`);
			},
		},
	];
};
