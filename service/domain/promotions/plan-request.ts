import { z } from 'zod';

const planRequestFields = z
	.object({
		sourceEnvironmentId: z.string().min(1).optional(),
		targetEnvironmentId: z.string().min(1).optional(),
		pipelineId: z.string().min(1).optional(),
		stage: z.number().int().min(0).optional().describe('the stage of the pipeline, from 0'),
		workflowIds: z.array(z.string().min(1)).min(1).max(1000).optional().describe('source workflows to promote'),
		canonicalIds: z.array(z.string().min(1)).min(1).max(1000).optional(),
		tag: z.string().trim().min(1).optional().describe('every source workflow with this tag'),
		changedOnly: z
			.literal(true)
			.optional()
			.describe('every source workflow whose content differs from the target, and what the source no longer has'),
		overrideHotfixes: z
			.array(z.string().min(1))
			.max(1000)
			.default([])
			.describe('target workflow ids whose hand edits the promotion may overwrite (admin)'),
		activate: z.boolean().default(false).describe('activate (publish) the workflows the promotion creates'),
	})
	.strict();

/** One selection, and either the two environments or a pipeline's stage. */
function checkPlanRequest(request: z.infer<typeof planRequestFields>, context: z.RefinementCtx): void {
	const selections = (['workflowIds', 'canonicalIds', 'tag', 'changedOnly'] as const).filter(
		(key) => request[key] !== undefined,
	);
	if (selections.length !== 1)
		context.addIssue({
			code: 'custom',
			path: [],
			message: 'must select workflows in one way: workflowIds, canonicalIds, tag or changedOnly',
		});
	const byEnvironments = request.sourceEnvironmentId !== undefined || request.targetEnvironmentId !== undefined;
	const byPipeline = request.pipelineId !== undefined || request.stage !== undefined;
	if (
		byEnvironments === byPipeline ||
		(byEnvironments && !(request.sourceEnvironmentId && request.targetEnvironmentId)) ||
		(byPipeline && !(request.pipelineId && request.stage !== undefined))
	)
		context.addIssue({
			code: 'custom',
			path: [],
			message: 'must name sourceEnvironmentId and targetEnvironmentId, or pipelineId and stage',
		});
}

export const planRequestSchema = planRequestFields.superRefine(checkPlanRequest);

/** A promotion request: the plan's, and why. */
export const promotionRequestSchema = planRequestFields
	.extend({
		reason: z.string().trim().max(2000).default('').describe('why (kept with the promotion and in the audit log)'),
	})
	.superRefine(checkPlanRequest);
export type PlanRequest = z.infer<typeof planRequestSchema>;
