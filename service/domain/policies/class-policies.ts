import { z } from 'zod';
import type { Db } from '../../db/database';
import type { EnvironmentClass, PolicyAction, PolicyRule } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { ENVIRONMENT_CLASSES } from '../environments/environments';
import { DomainError } from '../errors';

export const POLICY_ACTIONS: readonly PolicyAction[] = ['direct_edit', 'activation', 'delete', 'upload', 'restore'];

export type ClassPolicy = Record<PolicyAction, PolicyRule>;
export type ClassPolicies = Record<EnvironmentClass, ClassPolicy>;

/** What each action is, in words (the UI's rows, the messages of a refusal). */
export const ACTION_WORDS: Record<PolicyAction, string> = {
	direct_edit: 'Direct edits in n8n (seen as drift)',
	activation: 'Activate and deactivate',
	delete: 'Archive and delete',
	upload: 'Upload workflows',
	restore: 'Restore and revert',
};

/**
 * The rules each action may have: a hand edit in n8n has already happened and an upload holds files
 * the companion does not keep, so neither can wait for an approval.
 */
export const RULES_OF: Record<PolicyAction, readonly PolicyRule[]> = {
	direct_edit: ['allowed', 'warn', 'blocked'],
	activation: ['allowed', 'warn', 'requires_approval', 'blocked'],
	delete: ['allowed', 'warn', 'requires_approval', 'blocked'],
	upload: ['allowed', 'warn', 'blocked'],
	restore: ['allowed', 'warn', 'requires_approval', 'blocked'],
};

export const DEFAULT_POLICIES: ClassPolicies = {
	dev: { direct_edit: 'allowed', activation: 'allowed', delete: 'allowed', upload: 'allowed', restore: 'allowed' },
	staging: { direct_edit: 'warn', activation: 'allowed', delete: 'warn', upload: 'allowed', restore: 'allowed' },
	prod: {
		direct_edit: 'blocked',
		activation: 'requires_approval',
		delete: 'requires_approval',
		upload: 'blocked',
		restore: 'requires_approval',
	},
};

const ruleSchema = z.enum(['allowed', 'warn', 'requires_approval', 'blocked']);

export const classPolicyUpdateSchema = z
	.object(
		Object.fromEntries(POLICY_ACTIONS.map((action) => [action, ruleSchema.optional()])) as Record<
			PolicyAction,
			z.ZodOptional<typeof ruleSchema>
		>,
	)
	.strict()
	.superRefine((update, ctx) => {
		for (const action of POLICY_ACTIONS) {
			const rule = update[action];
			if (rule && !RULES_OF[action].includes(rule))
				ctx.addIssue({
					code: 'custom',
					path: [action],
					message: `${action} may be ${RULES_OF[action].join(', ')}`,
				});
		}
	})
	.describe('the actions to change; the others keep their rule');
export type ClassPolicyUpdate = z.infer<typeof classPolicyUpdateSchema>;

export const environmentClassSchema = z.enum(ENVIRONMENT_CLASSES as [EnvironmentClass, ...EnvironmentClass[]]);

export async function classPolicies(db: Db): Promise<ClassPolicies> {
	const rows = await db.selectFrom('class_policies').selectAll().execute();
	const policies = structuredClone(DEFAULT_POLICIES);
	for (const row of rows) policies[row.environment_class][row.action] = row.rule;
	return policies;
}

export async function policyRule(
	db: Db,
	environmentClass: EnvironmentClass,
	action: PolicyAction,
): Promise<PolicyRule> {
	const row = await db
		.selectFrom('class_policies')
		.select('rule')
		.where('environment_class', '=', environmentClass)
		.where('action', '=', action)
		.executeTakeFirst();
	return row?.rule ?? DEFAULT_POLICIES[environmentClass][action];
}

/** Changes some of a class's rules (admin); audited with what each was before. */
export async function updateClassPolicy(
	db: Db,
	context: AuditContext,
	environmentClass: EnvironmentClass,
	update: ClassPolicyUpdate,
): Promise<ClassPolicy> {
	const changes = POLICY_ACTIONS.flatMap((action) => (update[action] ? [[action, update[action]] as const] : []));
	if (!changes.length) throw new DomainError('invalid_request', 'Name at least one action and its rule');
	await db.transaction().execute(async (trx) => {
		const before = (await classPolicies(trx))[environmentClass];
		const now = new Date().toISOString();
		for (const [action, rule] of changes)
			await trx
				.insertInto('class_policies')
				.values({
					environment_class: environmentClass,
					action,
					rule,
					updated_by: context.actor.name ?? context.actor.type,
					updated_at: now,
				})
				.onConflict((oc) => oc.columns(['environment_class', 'action']).doUpdateSet({ rule, updated_at: now }))
				.execute();
		await appendAudit(trx, context, {
			action: 'policy.class_update',
			resourceType: 'environment_class',
			resourceId: environmentClass,
			metadata: {
				changes: Object.fromEntries(changes.map(([action, rule]) => [action, { from: before[action], to: rule }])),
			},
		});
	});
	return (await classPolicies(db))[environmentClass];
}
