import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { getEnvironments } from '../shared/load-options';
import { CREDENTIAL_TYPE } from '../shared/transport';
import * as compare from './actions/compare.operation';
import * as create from './actions/create.operation';
import * as list from './actions/list.operation';
import * as restore from './actions/restore.operation';
import { router } from './actions/router';
import { snapshotIdField } from './actions/snapshot-id';

export class Snapshot implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Snapshot',
		name: 'snapshot',
		icon: { light: 'file:snapshot.svg', dark: 'file:snapshot.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Take, compare and restore snapshots of an n8n instance’s workflows, and push them to Git',
		defaults: { name: 'Snapshot' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Compare',
						value: 'compare',
						action: 'Compare a snapshot',
						description: 'One item per workflow: unchanged, modified, added or deleted since, with risk',
					},
					{
						name: 'Create',
						value: 'create',
						action: 'Create a snapshot',
						description: 'Snapshot every workflow of an environment, or a selection',
					},
					{ name: 'Get', value: 'get', action: 'Get a snapshot', description: 'A snapshot and its workflows' },
					{ name: 'List', value: 'list', action: 'List snapshots', description: 'Snapshots, newest first' },
					{
						name: 'Push to Git',
						value: 'pushToGit',
						action: 'Push a snapshot to git',
						description: 'Commit the snapshot to the environment’s GitHub mirror',
					},
					{
						name: 'Restore',
						value: 'restore',
						action: 'Restore a snapshot',
						description: 'Preview or apply putting workflows back as the snapshot holds them',
					},
				],
				default: 'create',
			},
			snapshotIdField,
			...create.description,
			...list.description,
			...compare.description,
			...restore.description,
		],
	};

	methods = { loadOptions: { getEnvironments } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
