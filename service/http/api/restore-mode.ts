import { z } from 'zod';
import { requirePermission } from '../../domain/auth/permissions';
import type { GatedOperation } from '../../domain/approvals/gated-operations';
import { policyConfirmShape, underPolicy } from '../../domain/approvals/policy-gate';
import { previewRestore, restoreRequestSchema, type RestoreSource } from '../../domain/snapshots/restore';
import type { AppDeps } from '../deps';
import type { HandlerInput } from '../route';
import { sendGated } from './gated-answer';

export const restoreModeSchema = restoreRequestSchema.extend({
	...policyConfirmShape,
	mode: z
		.enum(['preview', 'apply'])
		.describe(
			'preview: per workflow the action (create, update, delete, none), risk and diff from live; apply (admin): restore as a job (202)',
		),
});

/**
 * Preview answers with the plan; apply (admin only) starts the restore — a snapshot of live first, each
 * write read back and verified, all undone on a failure — and answers 202 with the job to follow, or
 * with the request for approval where the environment's class policy asks for one.
 */
export async function previewOrApply(
	deps: AppDeps,
	{ body, caller, audit, res }: HandlerInput<unknown, unknown, z.infer<typeof restoreModeSchema>>,
	source: () => Promise<RestoreSource>,
	operation: () => Promise<GatedOperation>,
): Promise<unknown> {
	if (body.mode === 'preview') return previewRestore(deps, await source(), body.workflowIds);
	requirePermission(caller.role, 'snapshots.restore');
	const gated = await underPolicy(deps, audit, await operation(), { confirmed: body.confirm, reason: body.reason });
	return sendGated(res, gated, 202);
}
