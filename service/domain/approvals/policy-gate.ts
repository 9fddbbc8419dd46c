import { z } from 'zod';
import type { PolicyAction, PolicyRule } from '../../db/schema';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { getEnvironmentRow } from '../environments/environments';
import { DomainError } from '../errors';
import { ACTION_WORDS, policyRule } from '../policies/class-policies';
import {
	type GatedOperation,
	type OperationDeps,
	type OperationOutcome,
	POLICY_ACTION_OF,
	runOperation,
} from './gated-operations';
import { type OperationRequest, requestOperation } from './operation-requests';

export const policyConfirmShape = {
	confirm: z
		.boolean()
		.default(false)
		.describe(
			'true: go ahead where the environment’s class policy warns about this action (recorded in the audit log)',
		),
};

/**
 * Applies the environment class's rule for `action`: blocked is refused (403), warn needs `confirmed`
 * (else 409, details.policy "warn") and is recorded; answers the rule, allowed or requires_approval.
 */
export async function checkPolicy(
	db: Db,
	context: AuditContext,
	environmentId: string,
	action: PolicyAction,
	confirmed: boolean,
): Promise<Extract<PolicyRule, 'allowed' | 'requires_approval'>> {
	const environment = await getEnvironmentRow(db, environmentId);
	const rule = await policyRule(db, environment.class, action);
	const details = { policy: rule, action, environmentClass: environment.class };
	const what = `${ACTION_WORDS[action]} in ${environment.class} environments`;
	if (rule === 'blocked')
		throw new DomainError(
			'forbidden',
			`${what} is blocked by the class policy ("${environment.name}" is ${environment.class})`,
			details,
		);
	if (rule !== 'warn') return rule;
	if (!confirmed)
		throw new DomainError(
			'conflict',
			`The class policy warns about this: ${what.toLowerCase()} asks for confirmation (send confirm: true)`,
			details,
		);
	await db.transaction().execute((trx) =>
		appendAudit(trx, context, {
			action: 'policy.confirm',
			resourceType: 'environment',
			resourceId: environment.id,
			environmentId: environment.id,
			metadata: { action, environmentClass: environment.class },
		}),
	);
	return 'allowed';
}

export type Gated = { ran: OperationOutcome } | { approvalRequest: OperationRequest };

/** Runs the operation as its environment's class policy says: at once, or as a request for approval. */
export async function underPolicy(
	deps: OperationDeps,
	context: AuditContext,
	operation: GatedOperation,
	{ confirmed, reason = '' }: { confirmed: boolean; reason?: string },
): Promise<Gated> {
	const rule = await checkPolicy(
		deps.db,
		context,
		operation.environmentId,
		POLICY_ACTION_OF[operation.kind],
		confirmed,
	);
	if (rule === 'requires_approval')
		return { approvalRequest: await requestOperation(deps, context, operation, reason) };
	return { ran: await runOperation(deps, context, operation) };
}
