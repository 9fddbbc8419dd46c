import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { getEnvironments, getEnvironmentsOrAll } from '../shared/load-options';
import { CREDENTIAL_TYPE } from '../shared/transport';
import * as query from './actions/query.operation';
import { router } from './actions/router';
import * as verify from './actions/verify.operation';
import * as write from './actions/write.operation';

export class AuditLog implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Audit Log',
		name: 'auditLog',
		icon: { light: 'file:auditLog.svg', dark: 'file:auditLog.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Write to, query and verify the WorkflowOps audit log',
		defaults: { name: 'Audit Log' },
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
				],
				default: 'write',
			},
			...write.description,
			...query.description,
			...verify.description,
		],
	};

	methods = { loadOptions: { getEnvironments, getEnvironmentsOrAll } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
