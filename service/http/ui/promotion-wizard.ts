import { z } from 'zod';
import { listEnvironments } from '../../domain/environments/environments';
import { putBinding } from '../../domain/promotions/credential-bindings';
import { knownCredentials } from '../../domain/promotions/credentials';
import { listPipelines, type Pipeline, type Stage } from '../../domain/promotions/pipelines';
import { planPromotion } from '../../domain/promotions/plan';
import type { PlanRequest } from '../../domain/promotions/plan-request';
import { requestPromotion } from '../../domain/promotions/promotions';
import { listInventory } from '../../domain/workflows/inventory';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { withDiffViews } from './diff-view';
import { parseForm, userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

type Handler = UiRoute['handler'];

const wizardForm = z.object({
	sourceEnvironmentId: z.string().min(1, 'pick the environment to promote from'),
	targetEnvironmentId: z.string().min(1, 'pick the environment to promote into'),
	/** `<pipeline id>:<stage position>`, or empty: the two environments with the default gates. */
	pipelineStage: z.string().default(''),
	selection: z.enum(['changed', 'ids', 'tag']).default('changed'),
	workflowIds: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((ids) => (ids === undefined ? [] : [ids].flat())),
	tag: z.string().trim().default(''),
	reason: z.string().trim().max(2000).default(''),
});
type WizardForm = z.infer<typeof wizardForm>;

const bindForm = z.object({
	sourceCredentialId: z.string().min(1),
	targetCredentialId: z.string().min(1, 'pick the credential that stands for it'),
});

/** A pipeline stage as the wizard offers it. */
interface StageChoice {
	value: string;
	label: string;
	pipelineId: string;
	stage: Stage;
}

const stageChoices = (pipelines: Pipeline[], names: Map<string, string>): StageChoice[] =>
	pipelines.flatMap((pipeline) =>
		pipeline.stages.map((stage) => ({
			value: `${pipeline.id}:${stage.position}`,
			label: `${pipeline.name}: ${names.get(stage.sourceEnvironmentId)} → ${names.get(stage.targetEnvironmentId)}`,
			pipelineId: pipeline.id,
			stage,
		})),
	);

/** What the wizard's form asks for, as a plan request; what does not fit is said in words. */
function planRequestOf(form: WizardForm, stages: StageChoice[]): PlanRequest | string {
	if (form.selection === 'ids' && !form.workflowIds.length)
		return 'Tick at least one workflow, or pick everything changed.';
	if (form.selection === 'tag' && !form.tag) return 'Name the tag whose workflows to promote.';
	const selection =
		form.selection === 'ids'
			? { workflowIds: form.workflowIds }
			: form.selection === 'tag'
				? { tag: form.tag }
				: { changedOnly: true as const };
	const base = { ...selection, overrideHotfixes: [], activate: false };
	if (!form.pipelineStage)
		return { sourceEnvironmentId: form.sourceEnvironmentId, targetEnvironmentId: form.targetEnvironmentId, ...base };
	const chosen = stages.find((choice) => choice.value === form.pipelineStage);
	if (!chosen) return 'That pipeline stage no longer exists: pick another, or none.';
	if (
		chosen.stage.sourceEnvironmentId !== form.sourceEnvironmentId ||
		chosen.stage.targetEnvironmentId !== form.targetEnvironmentId
	)
		return `The stage “${chosen.label}” promotes between other environments: pick those, or no stage.`;
	return { pipelineId: chosen.pipelineId, stage: chosen.stage.position, ...base };
}

/**
 * The promotion wizard, one URL: pick source, target and workflows; plan (each workflow's diff, what
 * blocks it, a form to bind each credential the target lacks); request.
 */
export const promotionWizard = (deps: AppDeps): UiRoute[] => {
	const choices = async () => {
		const environments = await listEnvironments(deps.db);
		const names = new Map(environments.map((environment) => [environment.id, environment.name]));
		return { environments, stages: stageChoices(await listPipelines(deps.db), names) };
	};
	const page = async (
		req: Parameters<Handler>[0],
		res: Parameters<Handler>[1],
		form: Partial<WizardForm>,
		error?: { status: number; message: string },
	) => {
		const sourceWorkflows = form.sourceEnvironmentId
			? (await listInventory(deps.db, form.sourceEnvironmentId, { limit: 500 })).data
			: [];
		render(
			req,
			res,
			'pages/promotion-new',
			{ ...(await choices()), form, sourceWorkflows, error: error?.message ?? null },
			{ partial: 'partials/promotion-source', status: error?.status },
		);
	};
	/** The plan of what the form picks, with what each unresolved credential can be bound to. */
	const plan = async (req: Parameters<Handler>[0], res: Parameters<Handler>[1], form: WizardForm, notice?: string) => {
		const request = planRequestOf(form, (await choices()).stages);
		if (typeof request === 'string') return render(req, res, 'partials/error', { message: request }, { status: 422 });
		try {
			const planned = await planPromotion(deps, request);
			render(req, res, 'partials/promotion-plan', {
				plan: planned,
				items: withDiffViews(
					planned.items.map((item) => ({ ...item, workflowId: item.sourceWorkflowId ?? item.targetWorkflowId })),
				),
				targetCredentials: await knownCredentials(deps.db, form.targetEnvironmentId),
				form,
				notice: notice ?? null,
			});
		} catch (error) {
			render(
				req,
				res,
				'partials/error',
				{ message: userFacingError(req, error).message },
				{ status: userFacingError(req, error).status },
			);
		}
	};
	const parsed = (req: Parameters<Handler>[0]) => parseForm(wizardForm, req.body);

	return [
		{
			method: 'get',
			path: '/promotions/new',
			permission: 'promotions.request',
			handler: async (req, res) => {
				const source = typeof req.query.sourceEnvironmentId === 'string' ? req.query.sourceEnvironmentId : undefined;
				const target = typeof req.query.targetEnvironmentId === 'string' ? req.query.targetEnvironmentId : undefined;
				await page(req, res, { sourceEnvironmentId: source, targetEnvironmentId: target });
			},
		},
		{
			method: 'post',
			path: '/promotions/new/plan',
			permission: 'promotions.request',
			handler: async (req, res) => {
				const form = parsed(req);
				if (form.errors)
					return render(req, res, 'partials/error', { message: `${Object.values(form.errors)[0]}` }, { status: 422 });
				await plan(req, res, form.data);
			},
		},
		{
			method: 'post',
			path: '/promotions/new/bind',
			permission: 'pipelines.manage',
			handler: async (req, res) => {
				const [form, binding] = [parsed(req), parseForm(bindForm, req.body)];
				if (form.errors || binding.errors)
					return render(
						req,
						res,
						'partials/error',
						{ message: 'Pick the credential that stands for it.' },
						{ status: 422 },
					);
				try {
					await putBinding(deps.db, auditContext(req), {
						sourceEnvironmentId: form.data.sourceEnvironmentId,
						targetEnvironmentId: form.data.targetEnvironmentId,
						...binding.data,
					});
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					return render(req, res, 'partials/error', { message }, { status });
				}
				await plan(req, res, form.data, 'Bound: the plan below is made again with it.');
			},
		},
		{
			method: 'post',
			path: '/promotions/new',
			permission: 'promotions.request',
			handler: async (req, res) => {
				const form = parsed(req);
				if (form.errors) return page(req, res, {}, { status: 422, message: `${Object.values(form.errors)[0]}` });
				const request = planRequestOf(form.data, (await choices()).stages);
				if (typeof request === 'string') return page(req, res, form.data, { status: 422, message: request });
				try {
					const promotion = await requestPromotion(deps, auditContext(req), { ...request, reason: form.data.reason });
					res.redirect(303, `/promotions/${promotion.id}`);
				} catch (error) {
					await page(req, res, form.data, userFacingError(req, error));
				}
			},
		},
	];
};
