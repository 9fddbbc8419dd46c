import { z } from 'zod';
import type { AuditContext } from '../audit/audit-log';
import { conflict, DomainError } from '../errors';

/** An approval (or a cancellation): an optional comment. */
export const decisionSchema = z
	.object({
		comment: z.string().trim().max(2000).default(''),
		decidedBy: z
			.string()
			.trim()
			.max(200)
			.optional()
			.describe('the person who decided, where the caller is a token acting for them (kept in the audit log)'),
	})
	.strict();
export const rejectionSchema = decisionSchema.extend({
	comment: z.string().trim().min(1, 'must say why it is rejected').max(2000),
});
export type Decision = z.infer<typeof decisionSchema>;

/** Who decided what, and when: the columns a decision row shares, for promotions and operations alike. */
export const decisionFields = (
	context: AuditContext,
	decision: 'approve' | 'reject',
	{ comment, decidedBy }: Decision,
	at: string,
) => ({
	decision,
	actor_type: context.actor.type,
	actor_id: context.actor.id ?? '',
	actor_name: context.actor.name ?? context.actor.type,
	decided_by: decidedBy ?? null,
	comment,
	decided_at: at,
});

/**
 * An approval or rejection comes from another admin than the requester, once each: the rule shared by
 * promotions and the operations a policy sends for approval.
 */
export function checkDecider(
	context: AuditContext,
	requester: { type: string; id: string | null },
	earlier: { decision: 'approve' | 'reject' } | undefined,
	what: string,
	doing: 'approved' | 'rejected',
): void {
	if (context.actor.type === requester.type && context.actor.id === requester.id)
		throw new DomainError(
			'forbidden',
			`You requested this ${what}: it must be ${doing} by another admin (or another admin token)`,
		);
	if (earlier)
		throw conflict(`You have already ${earlier.decision === 'approve' ? 'approved' : 'rejected'} this ${what}`);
}
