import type { Db } from '../../db/database';
import type { EventSink, EventType } from '../events/events';
import { getEnvironmentRow } from '../environments/environments';
import { policyRule } from '../policies/class-policies';
import { maxRisk } from '../workflows/risk';
import type { Incident } from './incidents';

/**
 * Records, in `trx` (the transaction of the change it announces), an incident event for the webhook
 * subscribers: its environment, the incident without the diffs (the subscriber fetches
 * `/api/v1/incidents/:id` for them), the highest risk of its workflows, and what the environment's class
 * policy says of direct edits in n8n (allowed, warn or blocked). Dispatch what it returns
 * once the transaction has committed.
 */
export async function recordIncidentEvent(
	trx: Db,
	events: EventSink,
	type: EventType,
	incident: Incident,
	extra: Record<string, unknown> = {},
): Promise<string[]> {
	const environment = await getEnvironmentRow(trx, incident.environmentId);
	const workflows = incident.items.map(({ workflowId, name, status, risk, reasons }) => ({
		workflowId,
		name,
		status,
		risk,
		reasons,
	}));
	const { items: _items, ...summary } = incident;
	return events.record(trx, type, {
		environment: { id: environment.id, name: environment.name, class: environment.class },
		incident: summary,
		highestRisk: maxRisk(workflows.flatMap((workflow) => (workflow.risk ? [workflow.risk] : []))),
		directEditPolicy: await policyRule(trx, environment.class, 'direct_edit'),
		workflows,
		...extra,
	});
}
