import type { Db } from '../../db/database';
import { getEnvironmentRow } from '../environments/environments';
import { syncedExports } from '../workflows/inventory';
import { checkWorkflow, type Finding } from './content-rules';

export interface EnvironmentFindings {
	environmentId: string;
	class: string;
	counts: { error: number; warning: number; info: number };
	/** The synced workflows with at least one finding, by name. */
	workflows: Array<{ id: string; name: string; findings: Finding[] }>;
}

/** What the content rules find in an environment's synced workflows, at that environment's class. */
export async function environmentFindings(db: Db, environmentId: string): Promise<EnvironmentFindings> {
	const environment = await getEnvironmentRow(db, environmentId);
	const counts = { error: 0, warning: 0, info: 0 };
	const workflows: EnvironmentFindings['workflows'] = [];
	for (const workflow of await syncedExports(db, environmentId)) {
		const findings = checkWorkflow(workflow, environment.class);
		for (const finding of findings) counts[finding.severity] += 1;
		if (findings.length) workflows.push({ id: workflow.id, name: workflow.name, findings });
	}
	return { environmentId, class: environment.class, counts, workflows };
}
