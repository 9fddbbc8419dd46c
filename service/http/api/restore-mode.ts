import { z } from 'zod';
import { requirePermission } from '../../domain/auth/permissions';
import { previewRestore, restoreRequestSchema, type RestoreSource, startRestore } from '../../domain/snapshots/restore';
import type { AppDeps } from '../deps';
import type { HandlerInput } from '../route';

export const restoreModeSchema = restoreRequestSchema.extend({
	mode: z
		.enum(['preview', 'apply'])
		.describe(
			'preview: per workflow the action (create, update, delete, none), risk and diff from live; apply (admin): restore as a job (202)',
		),
});

/**
 * Preview answers with the plan; apply (admin only) starts the restore — a snapshot of live first, each
 * write read back and verified, all undone on a failure — and answers 202 with the job to follow.
 */
export async function previewOrApply(
	deps: AppDeps,
	{ body, caller, audit, res }: HandlerInput<unknown, unknown, z.infer<typeof restoreModeSchema>>,
	source: () => Promise<RestoreSource>,
): Promise<unknown> {
	if (body.mode === 'preview') return previewRestore(deps, await source(), body.workflowIds);
	requirePermission(caller.role, 'snapshots.restore');
	res.status(202).json(await startRestore(deps, audit, await source(), body));
	return undefined;
}
