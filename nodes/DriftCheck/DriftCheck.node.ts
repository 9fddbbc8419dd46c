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
import * as acknowledge from './actions/acknowledge.operation';
import * as approve from './actions/approve.operation';
import * as check from './actions/check.operation';
import { environmentIdField } from './actions/environment-id';
import { incidentIdField, searchIncidents } from './actions/incident-id';
import * as list from './actions/list-incidents.operation';
import * as resolve from './actions/resolve.operation';
import { router } from './actions/router';

const ENVIRONMENT_OPERATIONS: INodePropertyOptions[] = [
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
];

const INCIDENT_OPERATIONS: INodePropertyOptions[] = [
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
];

export class DriftCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Drift Check',
		name: 'driftCheck',
		icon: { light: 'file:driftCheck.svg', dark: 'file:driftCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ ({"approve":"Approve the current state as baseline","check":"Check an environment for drift","getStatus":"Get the drift status of an environment","acknowledge":"Acknowledge an incident","list":"List incidents","resolve":"Resolve an incident"})[$parameter["operation"]] }}',
		// Opened as it is: n8n appends its query after a codex link's anchor, which then matches nothing.
		documentationUrl: 'https://github.com/workflowops/n8n-nodes-workflowops#drift-check-node',
		description: 'Check n8n instances for changes made outside the approved baseline, and handle the incidents',
		defaults: { name: 'Drift Check' },
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
				options: ENVIRONMENT_OPERATIONS,
				default: 'check',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['incident'] } },
				options: INCIDENT_OPERATIONS,
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

	methods = {
		loadOptions: { getEnvironmentsOrAll },
		listSearch: { searchEnvironments, searchIncidents },
		credentialTest: { workflowOpsApiTest: testCompanionCredential },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
