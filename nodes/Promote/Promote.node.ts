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
import * as decide from './actions/decide.operation';
import * as decideOperation from './actions/decide-operation.operation';
import * as list from './actions/list.operation';
import { getPipelineStages, planFields } from './actions/plan-fields';
import { promotionIdField, searchPromotions } from './actions/promotion-id';
import { router } from './actions/router';
import * as run from './actions/run.operation';
import * as switchActive from './actions/switch.operation';

const OPERATIONS: INodePropertyOptions[] = [
	{
		name: 'Activate Workflows',
		value: 'activate',
		action: 'Activate workflows',
		description:
			'Switch workflows on in an environment (publish on n8n 2.x) and wait: one item per workflow, with the reason for any failure',
	},
	{
		name: 'Approve',
		value: 'approve',
		action: 'Approve a promotion',
		description: 'Approve as an admin token other than the requester’s',
	},
	{
		name: 'Approve Operation',
		value: 'approveOperation',
		action: 'Approve an operation on n8n',
		description:
			'Approve an activation, deletion or restore that an environment’s class policy holds for approval: it runs at once',
	},
	{ name: 'Cancel', value: 'cancel', action: 'Cancel a promotion', description: 'Before it runs' },
	{
		name: 'Deactivate Workflows',
		value: 'deactivate',
		action: 'Deactivate workflows',
		description: 'Switch workflows off in an environment (unpublish on n8n 2.x) and wait',
	},
	{
		name: 'Execute',
		value: 'execute',
		action: 'Execute a promotion',
		description: 'Run an approved promotion and wait for it: everything is undone if one write fails',
	},
	{ name: 'Get', value: 'get', action: 'Get a promotion', description: 'Its plan, approvals and state' },
	{ name: 'List', value: 'list', action: 'List promotions', description: 'Newest first' },
	{
		name: 'Plan',
		value: 'plan',
		action: 'Plan a promotion',
		description: 'A dry run: one item per workflow with status, risk, diff and blockers',
	},
	{ name: 'Reject', value: 'reject', action: 'Reject a promotion', description: 'Saying why' },
	{
		name: 'Reject Operation',
		value: 'rejectOperation',
		action: 'Reject an operation on n8n',
		description: 'Reject an operation a class policy holds for approval, saying why',
	},
	{
		name: 'Roll Back',
		value: 'rollback',
		action: 'Roll back a promotion',
		description: 'Put the target back as it was before a completed promotion, and wait for it',
	},
	{
		name: 'Request',
		value: 'request',
		action: 'Request a promotion',
		description: 'Keep the plan and ask for approval (or be approved at once under the stage’s risk ceiling)',
	},
];

export class Promote implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Promote',
		name: 'promote',
		icon: { light: 'file:promote.svg', dark: 'file:promote.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ ({"activate":"Activate workflows","approve":"Approve a promotion","approveOperation":"Approve an operation on n8n","cancel":"Cancel a promotion","deactivate":"Deactivate workflows","execute":"Execute a promotion","get":"Get a promotion","list":"List promotions","plan":"Plan a promotion","reject":"Reject a promotion","rejectOperation":"Reject an operation on n8n","rollback":"Roll back a promotion","request":"Request a promotion"})[$parameter["operation"]] }}',
		// Opened as it is: n8n appends its query after a codex link's anchor, which then matches nothing.
		documentationUrl: 'https://github.com/workflowops/n8n-nodes-workflowops#promote-node',
		description:
			'Plan, request and approve promotions of workflows from one n8n instance to another, and switch workflows on or off',
		defaults: { name: 'Promote' },
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
				default: 'plan',
			},
			...planFields,
			promotionIdField,
			...decide.description,
			...decideOperation.description,
			...run.description,
			...switchActive.description,
			...list.description,
		],
	};

	methods = {
		loadOptions: { getEnvironmentsOrAll, getPipelineStages },
		listSearch: { searchEnvironments, searchPromotions },
		credentialTest: { workflowOpsApiTest: testCompanionCredential },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
