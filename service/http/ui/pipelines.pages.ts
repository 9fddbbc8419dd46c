import { listEnvironments } from '../../domain/environments/environments';
import {
	createPipeline,
	deletePipeline,
	getPipeline,
	listPipelines,
	type Pipeline,
	updatePipeline,
} from '../../domain/promotions/pipelines';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { echo, type FormErrors } from './forms';
import { environmentNames, formRefusal, parsePipelineForm, pipelineValues, stageRows } from './pipeline-form';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** Promotion pipelines: the list, and a form per pipeline for its stages and their gates. */
export const pipelinePages = (deps: AppDeps): UiRoute[] => {
	const form = async (
		req: Parameters<UiRoute['handler']>[0],
		res: Parameters<UiRoute['handler']>[1],
		view: { pipeline?: Pipeline; values: Record<string, string>; errors: FormErrors; rows: number },
		status = 200,
	) => render(req, res, 'pages/pipeline-form', { ...view, environments: await listEnvironments(deps.db) }, { status });
	/** Saves the form as a new pipeline or over `pipeline`; shows it again with what was wrong. */
	const save = async (
		req: Parameters<UiRoute['handler']>[0],
		res: Parameters<UiRoute['handler']>[1],
		pipeline?: Pipeline,
	) => {
		const rows = Number(req.body.rows) || stageRows(pipeline);
		const parsed = parsePipelineForm(req.body as Record<string, string>, Math.min(rows, 11));
		const values = echo(req.body);
		if (parsed.errors) return form(req, res, { pipeline, values, errors: parsed.errors, rows }, 422);
		try {
			if (pipeline) await updatePipeline(deps.db, auditContext(req), pipeline.id, parsed.data);
			else await createPipeline(deps.db, auditContext(req), parsed.data);
		} catch (error) {
			const refusal = formRefusal(error);
			if (!refusal) throw error;
			return form(req, res, { pipeline, values, errors: refusal.errors, rows }, refusal.status);
		}
		res.redirect(303, '/pipelines');
	};

	return [
		{
			method: 'get',
			path: '/pipelines',
			permission: 'pipelines.read',
			handler: async (req, res) => {
				const names = environmentNames(await listEnvironments(deps.db));
				render(req, res, 'pages/pipelines', { pipelines: await listPipelines(deps.db), names });
			},
		},
		{
			method: 'get',
			path: '/pipelines/new',
			permission: 'pipelines.manage',
			handler: (req, res) => form(req, res, { values: { inSync_0: 'on', dependencies_0: 'on' }, errors: {}, rows: 1 }),
		},
		{ method: 'post', path: '/pipelines', permission: 'pipelines.manage', handler: (req, res) => save(req, res) },
		{
			method: 'get',
			path: '/pipelines/:id/edit',
			permission: 'pipelines.manage',
			handler: async (req, res) => {
				const pipeline = await getPipeline(deps.db, String(req.params.id));
				const rows = stageRows(pipeline);
				const blank = { [`inSync_${rows - 1}`]: 'on', [`dependencies_${rows - 1}`]: 'on' };
				await form(req, res, { pipeline, values: { ...pipelineValues(pipeline), ...blank }, errors: {}, rows });
			},
		},
		{
			method: 'post',
			path: '/pipelines/:id',
			permission: 'pipelines.manage',
			handler: async (req, res) => save(req, res, await getPipeline(deps.db, String(req.params.id))),
		},
		{
			method: 'post',
			path: '/pipelines/:id/delete',
			permission: 'pipelines.manage',
			handler: async (req, res) => {
				await deletePipeline(deps.db, auditContext(req), String(req.params.id));
				res.redirect(303, '/pipelines');
			},
		},
	];
};
