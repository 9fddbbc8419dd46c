import { z } from 'zod';
import type { AuditContext } from '../audit/audit-log';
import type { EnvironmentDeps } from '../environments/environments';
import type { Job, Jobs } from '../jobs/jobs';
import { startBulk } from './bulk';

export const activationRequestSchema = z
	.object({
		workflowIds: z.array(z.string().min(1)).min(1).max(1000).describe('the workflows to switch, by n8n id'),
		active: z.boolean().describe('true: activate (publish on n8n 2.x); false: deactivate (unpublish)'),
	})
	.strict();
export type ActivationRequest = z.infer<typeof activationRequestSchema>;

/** Switches workflows on or off (publish or unpublish on n8n 2.x), as a bulk job. */
export function startActivation(
	deps: EnvironmentDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
	{ workflowIds, active }: ActivationRequest,
): Promise<Job> {
	const verb = active ? 'activation' : 'deactivation';
	return startBulk(deps, context, environmentId, workflowIds, {
		kind: 'workflows.activation',
		busy: 'A bulk activation or deactivation in this environment is already running',
		action: active ? 'workflow.activate' : 'workflow.deactivate',
		about: { active },
		apply: async (client, live) => {
			if (live.active === active) return false;
			await client.setActive(live.id, active);
			return true;
		},
		check: (readBack) =>
			readBack.active === active
				? undefined
				: `n8n accepted the ${verb} but still reports it ${readBack.active ? 'active' : 'inactive'}`,
	});
}
