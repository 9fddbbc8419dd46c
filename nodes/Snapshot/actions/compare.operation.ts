import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { snapshotPath } from './snapshot-id';

const show = { show: { operation: ['compare'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Compare With',
		name: 'against',
		type: 'options',
		options: [
			{ name: 'Live Workflows', value: 'live', description: 'The environment as it is now' },
			{ name: 'Another Snapshot', value: 'snapshot' },
		],
		default: 'live',
		displayOptions: show,
	},
	{
		displayName: 'Other Snapshot ID',
		name: 'withSnapshotId',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: { operation: ['compare'], against: ['snapshot'] } },
	},
	{
		displayName: 'Include Diff',
		name: 'includeDiff',
		type: 'boolean',
		default: true,
		description: 'Whether each modified workflow carries its structural diff (node and parameter changes)',
		displayOptions: { show: { operation: ['compare', 'restore'] } },
	},
	{
		displayName: 'Only Differences',
		name: 'onlyDifferences',
		type: 'boolean',
		default: false,
		description: 'Whether to leave out the workflows that did not change',
		displayOptions: show,
	},
];

/** One item per workflow: status (UNCHANGED, MODIFIED, ADDED, DELETED), risk and reasons. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const qs =
		this.getNodeParameter('against', itemIndex) === 'snapshot'
			? { with: this.getNodeParameter('withSnapshotId', itemIndex) as string }
			: {};
	const { workflows } = await companionRequest.call(this, {
		method: 'GET',
		path: snapshotPath(this, itemIndex, '/compare'),
		qs,
		itemIndex,
	});
	const onlyDifferences = this.getNodeParameter('onlyDifferences', itemIndex, false) as boolean;
	return perWorkflow(this, itemIndex, workflows as IDataObject[]).filter(
		(workflow) => !onlyDifferences || workflow.status !== 'UNCHANGED',
	);
}

/** The workflows, without their diffs unless Include Diff is on. */
export function perWorkflow(context: IExecuteFunctions, itemIndex: number, workflows: IDataObject[]): IDataObject[] {
	if (context.getNodeParameter('includeDiff', itemIndex, true)) return workflows;
	return workflows.map(({ diff: _diff, ...workflow }) => workflow);
}
