import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { getEnvironments, getEnvironmentsOrAll } from '../shared/load-options';
import { CREDENTIAL_TYPE } from '../shared/transport';
import * as acknowledge from './actions/acknowledge.operation';
import * as approve from './actions/approve.operation';
import * as check from './actions/check.operation';
import { environmentIdField } from './actions/environment-id';
import { incidentIdField } from './actions/incident-id';
import * as list from './actions/list-incidents.operation';
import * as resolve from './actions/resolve.operation';
import { router } from './actions/router';

export class DriftCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Drift Check',
		name: 'driftCheck',
		icon: { light: 'file:driftCheck.svg', dark: 'file:driftCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Check n8n instances for changes made outside the approved baseline, and handle the incidents',
		defaults: { name: 'Drift Check' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Environment', value: 'environment' },
					{ name: 'Incident', value: 'incident' },
				],
				default: 'environment',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['environment'] } },
				options: [
					{
						name: 'Approve Current State',
						value: 'approve',
						action: 'Approve the current state as baseline',
						description: 'What runs now becomes the baseline (admin)',
					},
					{
						name: 'Check',
						value: 'check',
						action: 'Check an environment for drift',
						description: 'Compare live with the baseline now',
					},
					{
						name: 'Get Status',
						value: 'getStatus',
						action: 'Get the drift status of an environment',
						description: 'The status after the last check, and the open incident',
					},
				],
				default: 'check',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['incident'] } },
				options: [
					{
						name: 'Acknowledge',
						value: 'acknowledge',
						action: 'Acknowledge an incident',
						description: 'Say someone is on it',
					},
					{ name: 'List', value: 'list', action: 'List incidents', description: 'Incidents, newest first' },
					{
						name: 'Resolve',
						value: 'resolve',
						action: 'Resolve an incident',
						description: 'Keep the live change, revert it, or close with a note',
					},
				],
				default: 'list',
			},
			environmentIdField,
			incidentIdField,
			...check.description,
			...approve.description,
			...list.description,
			...acknowledge.description,
			...resolve.description,
		],
	};

	methods = { loadOptions: { getEnvironments, getEnvironmentsOrAll } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
