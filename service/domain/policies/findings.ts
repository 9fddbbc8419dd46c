import type { Db } from '../../db/database';
import { getEnvironmentRow } from '../environments/environments';
import { contentAtClass, countFindings, type FindingCounts, findingsOfContents } from './content-findings';
import type { Finding } from './content-rules';

export interface EnvironmentFindings {
	environmentId: string;
	class: string;
	counts: FindingCounts;
	/** The synced workflows with at least one finding, by name. */
	workflows: Array<{ id: string; name: string; findings: Finding[] }>;
}

/** What the content rules (as admins set them) find in an environment's synced workflows, at its class. */
export async function environmentFindings(db: Db, environmentId: string): Promise<EnvironmentFindings> {
	const environment = await getEnvironmentRow(db, environmentId);
	const inventory = await db
		.selectFrom('workflow_inventory')
		.select(['n8n_id', 'name', 'content_hash'])
		.where('environment_id', '=', environmentId)
		.orderBy('name')
		.execute();
	const found = await findingsOfContents(
		db,
		inventory.map((row) => ({ contentHash: row.content_hash, class: environment.class })),
	);
	const workflows = inventory.flatMap((row) => {
		const findings = found.get(contentAtClass(row.content_hash, environment.class)) ?? [];
		return findings.length ? [{ id: row.n8n_id, name: row.name, findings }] : [];
	});
	return {
		environmentId,
		class: environment.class,
		counts: countFindings(workflows.flatMap((workflow) => workflow.findings)),
		workflows,
	};
}
