import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** The Snapshot ID field, shown for the operations that act on one snapshot. */
export const snapshotIdField: INodeProperties = {
	displayName: 'Snapshot ID',
	name: 'snapshotId',
	type: 'string',
	required: true,
	default: '',
	description: 'As returned by Create or List',
	displayOptions: { show: { operation: ['get', 'compare', 'restore', 'pushToGit'] } },
};

export const snapshotPath = (context: IExecuteFunctions, itemIndex: number, suffix = '') =>
	`/snapshots/${encodeURIComponent(context.getNodeParameter('snapshotId', itemIndex) as string)}${suffix}`;
