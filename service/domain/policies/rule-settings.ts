import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { readSettings, writeSettings } from '../settings-row';
import { DEFAULT_RULES, type RuleId, type RuleSettings } from './content-rules';

const RULE_IDS = Object.keys(DEFAULT_RULES.severity) as RuleId[];
const severitySchema = z.enum(['off', 'info', 'warning', 'error']);
const perClassSchema = z
	.object({ dev: severitySchema, staging: severitySchema, prod: severitySchema })
	.partial()
	.strict();

export const ruleSettingsUpdateSchema = z
	.object({
		severity: z
			.object(
				Object.fromEntries(RULE_IDS.map((rule) => [rule, perClassSchema.optional()])) as Record<
					RuleId,
					z.ZodOptional<typeof perClassSchema>
				>,
			)
			.strict()
			.optional()
			.describe('per rule, per environment class: off, info, warning or error (an error blocks a promotion)'),
		bannedNodeTypes: z
			.array(z.string().trim().min(1).max(200))
			.max(200)
			.optional()
			.describe('the node types the banned_node rule reports, in full (n8n-nodes-base.executeCommand)'),
		scheduleFloorSeconds: z
			.number()
			.int()
			.min(1)
			.max(86_400)
			.optional()
			.describe('the shortest interval a schedule may run at'),
	})
	.strict();
export type RuleSettingsUpdate = z.infer<typeof ruleSettingsUpdateSchema>;

/** The content rules as admins set them, over the defaults. */
export async function ruleSettings(db: Db): Promise<RuleSettings> {
	return readSettings(db, 'content_rule_settings', DEFAULT_RULES);
}

/** Changes what is named (admin): a rule's severity in some classes, the banned types, the schedule floor. */
export async function updateRuleSettings(
	db: Db,
	context: AuditContext,
	update: RuleSettingsUpdate,
): Promise<RuleSettings> {
	return db.transaction().execute(async (trx) => {
		const settings = await ruleSettings(trx);
		for (const rule of RULE_IDS) Object.assign(settings.severity[rule], update.severity?.[rule]);
		if (update.bannedNodeTypes) settings.bannedNodeTypes = [...new Set(update.bannedNodeTypes)];
		if (update.scheduleFloorSeconds) settings.scheduleFloorSeconds = update.scheduleFloorSeconds;
		await writeSettings(trx, 'content_rule_settings', context, settings);
		// Findings kept under the rules as they were are never read again.
		await trx.deleteFrom('content_findings').execute();
		await appendAudit(trx, context, {
			action: 'policy.rules_update',
			resourceType: 'content_rules',
			metadata: { update },
		});
		return settings;
	});
}
