import type { Db } from '../../db/database';
import { getEnvironmentRow } from '../environments/environments';
import { syncedExports } from '../workflows/inventory';
import { checkWorkflow, type Finding } from './content-rules';
import { ruleSettings } from './rule-settings';

export interface EnvironmentFindings {
	environmentId: string;
	class: string;
	counts: { error: number; warning: number; info: number };
	/** The synced workflows with at least one finding, by name. */
	workflows: Array<{ id: string; name: string; findings: Finding[] }>;
}

/** What the content rules (as admins set them) find in an environment's synced workflows, at its class. */
export async function environmentFindings(db: Db, environmentId: string): Promise<EnvironmentFindings> {
	const environment = await getEnvironmentRow(db, environmentId);
	const counts = { error: 0, warning: 0, info: 0 };
	const workflows: EnvironmentFindings['workflows'] = [];
	const settings = await ruleSettings(db);
	for (const workflow of await syncedExports(db, environmentId)) {
		const findings = checkWorkflow(workflow, environment.class, settings);
		for (const finding of findings) counts[finding.severity] += 1;
		if (findings.length) workflows.push({ id: workflow.id, name: workflow.name, findings });
	}
	return { environmentId, class: environment.class, counts, workflows };
}
