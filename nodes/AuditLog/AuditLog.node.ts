import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { testCompanionCredential } from '../shared/credential-test';
import { getEnvironmentsOrAll, searchEnvironments } from '../shared/environments';
import * as query from './actions/query.operation';
import { router } from './actions/router';
import * as verify from './actions/verify.operation';
import * as write from './actions/write.operation';

const OPERATIONS: INodePropertyOptions[] = [
	{
		name: 'Query',
		value: 'query',
		action: 'Query audit entries',
		description: 'Find entries by actor, action, resource, environment or time',
	},
	{
		name: 'Verify Chain',
		value: 'verify',
		action: 'Verify the audit chain',
		description: 'Check that no entry was altered or removed',
	},
	{
		name: 'Write',
		value: 'write',
		action: 'Write an audit entry',
		description: 'Record what this workflow did',
	},
];

export class AuditLog implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Audit Log',
		name: 'auditLog',
		icon: { light: 'file:auditLog.svg', dark: 'file:auditLog.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ ({"query":"Query audit entries","verify":"Verify the audit chain","write":"Write an audit entry"})[$parameter["operation"]] }}',
		// Opened as it is: n8n appends its query after a codex link's anchor, which then matches nothing.
		documentationUrl: 'https://github.com/workflowops/n8n-nodes-workflowops#audit-log-node',
		description: 'Write to, query and verify the WorkflowOps audit log',
		defaults: { name: 'Audit Log' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'workflowOpsApi', required: true, testedBy: 'workflowOpsApiTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: OPERATIONS,
				default: 'write',
			},
			...write.description,
			...query.description,
			...verify.description,
		],
	};

	methods = {
		loadOptions: { getEnvironmentsOrAll },
		listSearch: { searchEnvironments },
		credentialTest: { workflowOpsApiTest: testCompanionCredential },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
