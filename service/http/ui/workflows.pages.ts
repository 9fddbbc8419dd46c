import type { Request, Response } from 'express';
import { listPipelines } from '../../domain/promotions/pipelines';
import { matrixQuerySchema, workflowMatrix } from '../../domain/workflows/matrix';
import {
	confirmProposal,
	confirmProposals,
	linkProposals,
	linkWorkflows,
	type Member,
	rejectProposal,
	setIgnored,
	unlinkWorkflow,
} from '../../domain/workflows/onboarding';
import { diffWorkflows } from '../../domain/workflows/diff';
import { versionsOf, type WorkflowVersion, workflowEverywhere } from '../../domain/workflows/workflow-everywhere';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { filterValues, parseForm, userFacingError } from './forms';
import { diffView } from './diff-view';
import type { UiRoute } from './ui-route';
import { render } from './views';
import { changedNodes, workflowPicture } from './workflow-picture';

/** The workflow matrix across environments, and onboarding: the proposals to link them. */
export const workflowPages = ({ db }: AppDeps): UiRoute[] => {
	const matrixPage = async (req: Request, res: Response) => {
		const form = parseForm(matrixQuerySchema, req.query);
		const filters = filterValues(req.query);
		let errors = form.errors ?? {};
		let matrix = null;
		if (form.data) {
			try {
				matrix = await workflowMatrix(db, form.data);
			} catch (error) {
				errors = { form: userFacingError(req, error).message };
			}
		}
		const environments = await db.selectFrom('environments').select(['id', 'name']).orderBy('name').execute();
		render(
			req,
			res,
			'pages/workflows',
			{
				matrix,
				filters,
				errors,
				environments,
				pipelines: await listPipelines(db),
			},
			{ partial: 'partials/workflow-matrix', status: matrix ? 200 : 400 },
		);
	};

	const proposalsPage = async (req: Request, res: Response, error?: { status: number; message: string }) =>
		render(
			req,
			res,
			'pages/workflow-links',
			{ proposals: await linkProposals(db), error: error?.message ?? null },
			{ partial: 'partials/link-proposals', status: error?.status ?? 200 },
		);

	/** One workflow everywhere: the picture of a version (`a`), or of `b` with its changes from `a` marked. */
	const workflowPage = async (req: Request, res: Response) => {
		const exports = await versionsOf(db, String(req.params.id));
		const everywhere = await workflowEverywhere(db, String(req.params.id), exports);
		const present = everywhere.versions.filter((version) => version.present);
		const chosen = (key: string) => present.find((version) => version.environment.id === req.query[key]);
		const a = chosen('a') ?? present[0];
		const b = chosen('b');
		const exported = (version: WorkflowVersion) => exports.get(version.environment.id)!.workflow;
		const diff = a && b && b !== a ? diffWorkflows(exported(a), exported(b)) : null;
		const pictured = diff ? b : a;
		render(req, res, 'pages/workflow-everywhere', {
			everywhere,
			a,
			b: diff ? b : undefined,
			view: diff && diffView(diff),
			pictured,
			picture: pictured && workflowPicture(exported(pictured), changedNodes(diff)),
		});
	};

	/** Runs an onboarding change and shows the proposals again, with the refusal if there was one. */
	const change =
		(run: (req: Request) => Promise<unknown>, back: 'proposals' | 'matrix') => async (req: Request, res: Response) => {
			try {
				await run(req);
			} catch (error) {
				const refusal = userFacingError(req, error);
				if (back === 'proposals') return proposalsPage(req, res, refusal);
				return render(req, res, 'pages/error', refusal, { status: refusal.status });
			}
			// The matrix comes back with the filters it had (a query string, so never another site).
			const filters = typeof req.body?.back === 'string' && req.body.back.startsWith('?') ? req.body.back : '';
			if (back === 'matrix') return res.redirect(303, `/workflows${filters}`);
			if (req.get('hx-request')) return proposalsPage(req, res);
			res.redirect(303, '/workflows/links');
		};

	return [
		{ method: 'get', path: '/workflows', permission: 'workflows.read', handler: matrixPage },
		{
			method: 'get',
			path: '/workflows/links',
			permission: 'workflows.read',
			handler: (req, res) => proposalsPage(req, res),
		},
		{ method: 'get', path: '/workflows/:id', permission: 'workflows.read', handler: workflowPage },
		{
			method: 'post',
			path: '/workflows/links',
			permission: 'workflows.link',
			handler: change((req) => linkWorkflows(db, auditContext(req), chosenMembers(req.body)), 'proposals'),
		},
		{
			method: 'post',
			path: '/workflows/links/confirm',
			permission: 'workflows.link',
			handler: change((req) => confirmProposals(db, auditContext(req), undefined), 'proposals'),
		},
		{
			method: 'post',
			path: '/workflows/links/:id/confirm',
			permission: 'workflows.link',
			handler: change((req) => confirmProposal(db, auditContext(req), String(req.params.id)), 'proposals'),
		},
		{
			method: 'post',
			path: '/workflows/links/:id/reject',
			permission: 'workflows.link',
			handler: change((req) => rejectProposal(db, auditContext(req), String(req.params.id)), 'proposals'),
		},
		{
			method: 'post',
			path: '/workflows/:id/ignore',
			permission: 'workflows.link',
			handler: change(
				(req) => setIgnored(db, auditContext(req), String(req.params.id), req.body?.ignored !== 'false'),
				'matrix',
			),
		},
		{
			method: 'post',
			path: '/workflows/:id/environments/:environmentId/unlink',
			permission: 'workflows.link',
			handler: change(
				(req) => unlinkWorkflow(db, auditContext(req), String(req.params.id), String(req.params.environmentId)),
				'matrix',
			),
		},
	];
};

/** The workflows an admin chose in an ambiguous proposal: one `environment:<id>` field per environment. */
function chosenMembers(body: unknown): Member[] {
	return Object.entries((body ?? {}) as Record<string, unknown>)
		.filter((entry): entry is [string, string] => entry[0].startsWith('environment:') && typeof entry[1] === 'string')
		.filter(([, workflowId]) => workflowId !== '')
		.map(([field, workflowId]) => ({ environmentId: field.slice('environment:'.length), workflowId }));
}
