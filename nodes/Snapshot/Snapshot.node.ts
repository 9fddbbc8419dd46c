import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { testCompanionCredential } from '../shared/credential-test';
import { getEnvironmentsOrAll, searchEnvironments } from '../shared/environments';
import * as compare from './actions/compare.operation';
import * as create from './actions/create.operation';
import * as list from './actions/list.operation';
import * as restore from './actions/restore.operation';
import { router } from './actions/router';
import { searchSnapshots, snapshotIdField } from './actions/snapshot-id';

const OPERATIONS = {
	compare: {
		name: 'Compare',
		value: 'compare',
		action: 'Compare a snapshot',
		description: 'One item per workflow: unchanged, modified, added or deleted since, with risk',
	},
	create: {
		name: 'Create',
		value: 'create',
		action: 'Create a snapshot',
		description: 'Snapshot every workflow of an environment, or a selection',
	},
	get: { name: 'Get', value: 'get', action: 'Get a snapshot', description: 'A snapshot and its workflows' },
	list: { name: 'List', value: 'list', action: 'List snapshots', description: 'Snapshots, newest first' },
	pushToGit: {
		name: 'Push to Git',
		value: 'pushToGit',
		action: 'Push a snapshot to git',
		description: 'Commit the snapshot to the environment’s GitHub mirror',
	},
	restore: {
		name: 'Restore',
		value: 'restore',
		action: 'Restore a snapshot',
		description: 'Preview or apply putting workflows back as the snapshot holds them',
	},
};

export class Snapshot implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Snapshot',
		name: 'snapshot',
		icon: { light: 'file:snapshot.svg', dark: 'file:snapshot.dark.svg' },
		group: ['transform'],
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{ ({"compare":"Compare a snapshot","create":"Create a snapshot","get":"Get a snapshot","list":"List snapshots","pushToGit":"Push a snapshot to git","restore":"Restore a snapshot"})[$parameter["operation"]] }}',
		// Opened as it is: n8n appends its query after a codex link's anchor, which then matches nothing.
		documentationUrl: 'https://github.com/workflowops/n8n-nodes-workflowops#snapshot-node',
		description: 'Take, compare and restore snapshots of an n8n instance’s workflows, and push them to Git',
		defaults: { name: 'Snapshot' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'workflowOpsApi', required: true, testedBy: 'workflowOpsApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { '@version': [2] } },
				options: [
					{ name: 'Git', value: 'git' },
					{ name: 'Restore', value: 'restore' },
					{ name: 'Snapshot', value: 'snapshot' },
				],
				default: 'snapshot',
			},
			// Version 2 sorts the operations under resources; version 1 (one list of six) runs as it did.
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['snapshot'], '@version': [2] } },
				options: [OPERATIONS.compare, OPERATIONS.create, OPERATIONS.get, OPERATIONS.list],
				default: 'create',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['restore'], '@version': [2] } },
				options: [OPERATIONS.restore],
				default: 'restore',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['git'], '@version': [2] } },
				options: [OPERATIONS.pushToGit],
				default: 'pushToGit',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { '@version': [1] } },
				options: Object.values(OPERATIONS),
				default: 'create',
			},
			snapshotIdField,
			...create.description,
			...list.description,
			...compare.description,
			...restore.description,
		],
	};

	methods = {
		loadOptions: { getEnvironmentsOrAll },
		listSearch: { searchEnvironments, searchSnapshots },
		credentialTest: { workflowOpsApiTest: testCompanionCredential },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
