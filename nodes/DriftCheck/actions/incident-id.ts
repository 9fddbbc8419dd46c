import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodeProperties,
} from 'n8n-workflow';
import { environmentNames } from '../../shared/environments';
import { companionLocator, locatedId, searchCompanion, shortTime } from '../../shared/resource-locator';

export const incidentIdField: INodeProperties = companionLocator({
	name: 'incidentId',
	what: 'incident',
	page: 'incidents',
	searchListMethod: 'searchIncidents',
	description: 'Pick it from the list, or give its ID (incidentId of a Check Environment summary) or its page’s URL',
	displayOptions: { show: { resource: ['incident'], operation: ['acknowledge', 'resolve'] } },
});

/** Incidents, newest first, for the Incident locator: searched by environment or drifted workflow name. */
export async function searchIncidents(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const environments = await environmentNames.call(this);
	return searchCompanion.call(this, 'incidents', filter, paginationToken, (incident: IDataObject) => {
		const workflows = (incident.items as IDataObject[] | undefined)?.length ?? 0;
		return [
			environments.get(String(incident.environmentId)) ?? 'an environment removed since',
			`${incident.severity} ${String(incident.status).toLowerCase()}`,
			`${workflows} workflow${workflows === 1 ? '' : 's'}`,
			`opened ${shortTime(incident.openedAt)}`,
		].join(' · ');
	});
}

export const incidentPath = (context: IExecuteFunctions, itemIndex: number, tail: string) =>
	`/incidents/${encodeURIComponent(locatedId(context, 'incidentId', itemIndex))}${tail}`;
