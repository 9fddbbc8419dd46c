import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError } from '../errors';

const locationSchema = z
	.object({
		kind: z.string(),
		id: z.string().optional(),
		name: z.string().optional(),
		workflowId: z.string().optional(),
		workflowName: z.string().optional(),
		nodeName: z.string().optional(),
		nodeType: z.string().optional(),
		packageUrl: z.string().optional(),
	})
	.passthrough();
const sectionSchema = z.object({
	title: z.string(),
	description: z.string().default(''),
	recommendation: z.string().default(''),
	location: z.array(locationSchema).default([]),
	settings: z.record(z.string(), z.unknown()).optional(),
});
const reportSchema = z.object({ risk: z.string(), sections: z.array(sectionSchema) });
/** n8n answers its reports keyed by name, or an empty list when it found nothing. */
const auditAnswerSchema = z.union([z.record(z.string(), reportSchema), z.array(z.never()).length(0)]);

export interface SecurityAudit {
	environmentId: string;
	generatedAt: string;
	/** One per risk n8n found something in (credentials, database, filesystem, nodes, instance). */
	reports: Array<{
		name: string;
		risk: string;
		sections: Array<{
			title: string;
			description: string;
			recommendation: string;
			locations: Array<z.infer<typeof locationSchema>>;
		}>;
	}>;
}

/** Asks the environment's n8n for its own security audit and keeps it as the environment's latest. */
export async function runSecurityAudit(
	deps: EnvironmentDeps,
	context: AuditContext,
	environmentId: string,
): Promise<SecurityAudit> {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const answer = auditAnswerSchema.safeParse(await deps.n8nClient(n8nTarget(deps, environment)).securityAudit());
	if (!answer.success)
		throw new DomainError('unprocessable', `"${environment.name}" answered its security audit in a form not known`, {
			issues: answer.error.issues.slice(0, 5),
		});
	const reports = Array.isArray(answer.data)
		? []
		: Object.entries(answer.data).map(([name, report]) => ({
				name,
				risk: report.risk,
				sections: report.sections.map(({ title, description, recommendation, location }) => ({
					title,
					description,
					recommendation,
					locations: location,
				})),
			}));
	const generatedAt = new Date().toISOString();
	await deps.db.transaction().execute(async (trx) => {
		const row = { environment_id: environmentId, report: JSON.stringify(reports), generated_at: generatedAt };
		await trx
			.insertInto('security_audits')
			.values(row)
			.onConflict((oc) => oc.column('environment_id').doUpdateSet({ report: row.report, generated_at: generatedAt }))
			.execute();
		await appendAudit(trx, context, {
			action: 'environment.security_audit',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
			metadata: {
				risks: reports.map((report) => ({ risk: report.risk, sections: report.sections.length })),
			},
		});
	});
	return { environmentId, generatedAt, reports };
}

/** The environment's latest security audit, or null when none was run. */
export async function latestSecurityAudit(db: Db, environmentId: string): Promise<SecurityAudit | null> {
	await getEnvironmentRow(db, environmentId);
	const row = await db
		.selectFrom('security_audits')
		.selectAll()
		.where('environment_id', '=', environmentId)
		.executeTakeFirst();
	return row
		? { environmentId, generatedAt: row.generated_at, reports: JSON.parse(row.report) as SecurityAudit['reports'] }
		: null;
}
