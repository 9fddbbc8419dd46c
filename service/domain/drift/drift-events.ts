import type { Db } from '../../db/database';
import type { EventSink, EventType } from '../events/events';
import { getEnvironmentRow } from '../environments/environments';
import { maxRisk } from '../workflows/risk';
import type { Incident } from './incidents';

/**
 * Tells the webhook subscribers about an incident: its environment, the incident without the diffs
 * (the subscriber fetches `/api/v1/incidents/:id` for them), and the highest risk of its workflows.
 */
export async function emitIncidentEvent(
	deps: { db: Db; events: EventSink },
	type: EventType,
	incident: Incident,
	extra: Record<string, unknown> = {},
): Promise<void> {
	const environment = await getEnvironmentRow(deps.db, incident.environmentId);
	const workflows = incident.items.map(({ workflowId, name, status, risk, reasons }) => ({
		workflowId,
		name,
		status,
		risk,
		reasons,
	}));
	const { items: _items, ...summary } = incident;
	await deps.events.emit(type, {
		environment: { id: environment.id, name: environment.name, class: environment.class },
		incident: summary,
		highestRisk: maxRisk(workflows.flatMap((workflow) => (workflow.risk ? [workflow.risk] : []))),
		workflows,
		...extra,
	});
}
