import type { Request, Response } from 'express';
import type { GatedOperation } from '../../domain/approvals/gated-operations';
import { underPolicy } from '../../domain/approvals/policy-gate';
import { classPolicies, type ClassPolicy } from '../../domain/policies/class-policies';
import type { EnvironmentClass } from '../../db/schema';
import type { Job } from '../../domain/jobs/jobs';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { render } from './views';

/** A form's answer to its class policy: the Confirm box where the policy warns, and a reason. */
export const formPolicy = (req: Request) => {
	const body = (req.body ?? {}) as Record<string, unknown>;
	return {
		confirmed: body.confirm === 'true',
		reason: typeof body.reason === 'string' ? body.reason.trim().slice(0, 2000) : '',
	};
};

/** Runs an operation from a form under its environment's class policy. */
export const runFromForm = (deps: AppDeps, req: Request, operation: GatedOperation) =>
	underPolicy(deps, auditContext(req), operation, formPolicy(req));

/**
 * An operation from a form whose answer is a job: the job, followed live, or the request for approval
 * it became.
 */
export async function renderGatedJob(
	deps: AppDeps,
	req: Request,
	res: Response,
	operation: GatedOperation,
): Promise<void> {
	const gated = await runFromForm(deps, req, operation);
	if ('approvalRequest' in gated)
		return render(req, res, 'partials/approval-requested', { request: gated.approvalRequest }, { status: 202 });
	// The operations these forms start (activation, restore, revert) answer with their job.
	const { job } = gated.ran as { job: Job };
	render(req, res, 'partials/job-follow', { job, environmentId: operation.environmentId }, { status: 202 });
}

/** What the class of an environment allows, for its pages' forms. */
export const policyOf = async (deps: AppDeps, environmentClass: EnvironmentClass): Promise<ClassPolicy> =>
	(await classPolicies(deps.db))[environmentClass];
