import type { Response } from 'express';
import type { Gated } from '../../domain/approvals/policy-gate';

/**
 * Answers an operation run under its class policy: what it ran (its job, or its result) with
 * `ranStatus`, or 202 with the request for approval it became.
 */
export function sendGated(res: Response, gated: Gated, ranStatus: number): undefined {
	if ('approvalRequest' in gated) res.status(202).json({ approvalRequest: gated.approvalRequest });
	else res.status(ranStatus).json('job' in gated.ran ? gated.ran.job : gated.ran.result);
	return undefined;
}
