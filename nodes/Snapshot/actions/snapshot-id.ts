import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodeProperties,
} from 'n8n-workflow';
import { environmentNames } from '../../shared/environments';
import { companionLocator, locatedId, searchCompanion, shortTime } from '../../shared/resource-locator';

/** The Snapshot field, shown for the operations that act on one snapshot. */
export const snapshotIdField: INodeProperties = companionLocator({
	name: 'snapshotId',
	what: 'snapshot',
	page: 'snapshots',
	searchListMethod: 'searchSnapshots',
	description: 'Pick it from the list, or give its ID (as Create or List return it) or its page’s URL',
	displayOptions: { show: { operation: ['get', 'compare', 'restore', 'pushToGit'] } },
});

/** Snapshots, newest first, for the Snapshot locator: searched by label or reason. */
export async function searchSnapshots(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const environments = await environmentNames.call(this);
	return searchCompanion.call(this, 'snapshots', filter, paginationToken, (snapshot: IDataObject) =>
		[
			snapshot.label || 'no label',
			environments.get(String(snapshot.environmentId)) ?? 'an environment removed since',
			`${snapshot.workflowCount} workflows`,
			shortTime(snapshot.createdAt),
		].join(' · '),
	);
}

export const snapshotPath = (context: IExecuteFunctions, itemIndex: number, suffix = '') =>
	`/snapshots/${encodeURIComponent(locatedId(context, 'snapshotId', itemIndex))}${suffix}`;
