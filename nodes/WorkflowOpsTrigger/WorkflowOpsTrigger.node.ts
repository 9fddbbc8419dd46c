import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';
import { testCompanionCredential } from '../shared/credential-test';
import { companionRequest } from '../shared/transport';
import { isSignedDelivery, newSecret } from './signature';

interface Subscription extends IDataObject {
	subscriptionId?: string;
	secret?: string;
}

const EVENTS = [
	{ name: 'Drift Detected', value: 'drift.detected', description: 'A drift check found changes (or new ones)' },
	{ name: 'Drift Resolved', value: 'drift.resolved', description: 'An incident was kept, reverted or closed' },
	{ name: 'Incident Acknowledged', value: 'incident.acknowledged', description: 'Someone took a drift incident on' },
	{
		name: 'Incident Overdue',
		value: 'incident.sla_breached',
		description: 'A drift incident is still open past the hours its severity allows',
	},
	{
		name: 'Promotion Approval Requested',
		value: 'promotion.approval_requested',
		description: 'A promotion waits for approval: approve it with the Promote node, or reject it',
	},
	{ name: 'Promotion Approved', value: 'promotion.approved', description: 'A promotion has every approval it needs' },
	{
		name: 'Promotion Completed',
		value: 'promotion.completed',
		description: 'A promotion wrote every workflow to its target, each read back and checked',
	},
	{
		name: 'Promotion Failed',
		value: 'promotion.failed',
		description: 'A promotion stopped and could not undo everything it wrote: it needs attention',
	},
	{ name: 'Promotion Rejected', value: 'promotion.rejected', description: 'An admin rejected a promotion' },
	{ name: 'Promotion Requested', value: 'promotion.requested', description: 'Someone asked for a promotion' },
	{
		name: 'Promotion Rolled Back',
		value: 'promotion.rolled_back',
		description: 'A promotion stopped and undid what it wrote, or a completed one was rolled back',
	},
	{ name: 'Snapshot Created', value: 'snapshot.created', description: 'A snapshot of an environment was taken' },
	{
		name: 'Operation Approval Requested',
		value: 'operation.approval_requested',
		description:
			'An operation on n8n (activate, delete, restore) waits for approval under its environment’s class policy',
	},
	{
		name: 'Operation Approved',
		value: 'operation.approved',
		description: 'An admin approved an operation on n8n: it runs now',
	},
	{ name: 'Operation Rejected', value: 'operation.rejected', description: 'An admin rejected an operation on n8n' },
	{
		name: 'Credential Failing',
		value: 'credential.failing',
		description: 'A credential that passed (or was never tested) fails its test in n8n: its workflows are named',
	},
	{
		name: 'Execution Failed',
		value: 'execution.failed',
		description:
			'A workflow failed in n8n (seen by the execution index, each minute): one event per workflow with how many and the latest error, redacted',
	},
	{
		name: 'Environment Down',
		value: 'environment.down',
		description: 'An n8n instance failed two health checks in a row',
	},
	{ name: 'Environment Up', value: 'environment.up', description: 'An n8n instance that was down answers again' },
];

export class WorkflowOpsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WorkflowOps Trigger',
		name: 'workflowOpsTrigger',
		icon: { light: 'file:workflowOpsTrigger.svg', dark: 'file:workflowOpsTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ ($parameter["events"] || []).map((value) => ({"drift.detected":"Drift Detected","drift.resolved":"Drift Resolved","incident.acknowledged":"Incident Acknowledged","incident.sla_breached":"Incident Overdue","promotion.approval_requested":"Promotion Approval Requested","promotion.approved":"Promotion Approved","promotion.completed":"Promotion Completed","promotion.failed":"Promotion Failed","promotion.rejected":"Promotion Rejected","promotion.requested":"Promotion Requested","promotion.rolled_back":"Promotion Rolled Back","snapshot.created":"Snapshot Created","operation.approval_requested":"Operation Approval Requested","operation.approved":"Operation Approved","operation.rejected":"Operation Rejected","credential.failing":"Credential Failing","execution.failed":"Execution Failed","environment.down":"Environment Down","environment.up":"Environment Up"})[value]).join(", ") }}',
		// Opened as it is: n8n appends its query after a codex link's anchor, which then matches nothing.
		documentationUrl: 'https://github.com/workflowops/n8n-nodes-workflowops#workflowops-trigger-node',
		description:
			'Starts the workflow when the WorkflowOps companion reports drift, incidents, snapshots, promotions or operations waiting for approval',
		defaults: { name: 'WorkflowOps Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'workflowOpsApi', required: true, testedBy: 'workflowOpsApiTest' }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: EVENTS,
				required: true,
				default: ['drift.detected'],
				description: 'The companion events that start this workflow',
			},
		],
	};

	methods = { credentialTest: { workflowOpsApiTest: testCompanionCredential } };

	webhookMethods = {
		default: {
			/** Whether the companion still has this workflow's subscription, to the same URL and events. */
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const stored = this.getWorkflowStaticData('node') as Subscription;
				if (!stored.subscriptionId) return false;
				try {
					const subscription = await companionRequest.call(this, {
						method: 'GET',
						path: `/webhooks/${encodeURIComponent(stored.subscriptionId)}`,
						itemIndex: 0,
					});
					const events = this.getNodeParameter('events') as string[];
					return (
						subscription.url === this.getNodeWebhookUrl('default') &&
						JSON.stringify([...(subscription.events as string[])].sort()) === JSON.stringify([...events].sort())
					);
				} catch (error) {
					if (error instanceof NodeApiError && error.httpCode === '404') return false;
					throw new NodeApiError(this.getNode(), error as JsonObject);
				}
			},
			/** Activation: subscribes the workflow's webhook URL, with a secret only it and the companion know. */
			async create(this: IHookFunctions): Promise<boolean> {
				const stored = this.getWorkflowStaticData('node') as Subscription;
				const secret = newSecret();
				const subscription = await companionRequest.call(this, {
					method: 'POST',
					path: '/webhooks',
					body: {
						url: this.getNodeWebhookUrl('default'),
						events: this.getNodeParameter('events') as string[],
						secret,
						description: `n8n workflow "${this.getWorkflow().name ?? ''}" (${this.getWorkflow().id ?? ''})`,
					},
					itemIndex: 0,
				});
				stored.subscriptionId = String(subscription.id);
				stored.secret = secret;
				return true;
			},
			/** Deactivation: unsubscribes (a subscription already gone is fine). */
			async delete(this: IHookFunctions): Promise<boolean> {
				const stored = this.getWorkflowStaticData('node') as Subscription;
				if (stored.subscriptionId) {
					try {
						await companionRequest.call(this, {
							method: 'DELETE',
							path: `/webhooks/${encodeURIComponent(stored.subscriptionId)}`,
							itemIndex: 0,
						});
					} catch (error) {
						if (!(error instanceof NodeApiError && error.httpCode === '404'))
							throw new NodeApiError(this.getNode(), error as JsonObject);
					}
				}
				delete stored.subscriptionId;
				delete stored.secret;
				return true;
			},
		},
	};

	/** Runs the workflow with the event, once its signature and timestamp check out; anything else gets 401. */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const { secret } = this.getWorkflowStaticData('node') as Subscription;
		const body = request.rawBody?.toString('utf8') ?? '';
		const signed =
			secret !== undefined &&
			(await isSignedDelivery(
				secret,
				request.header('x-workflowops-timestamp'),
				request.header('x-workflowops-signature'),
				body,
				Math.floor(Date.now() / 1000),
			));
		if (!signed) {
			this.getResponseObject().status(401).json({ error: 'The delivery is not signed by the WorkflowOps companion' });
			return { noWebhookResponse: true };
		}
		const event = this.getBodyData();
		const events = this.getNodeParameter('events') as string[];
		if (!events.includes(String(event.type))) return { webhookResponse: { ignored: event.type } };
		return { workflowData: [this.helpers.returnJsonArray([event])] };
	}
}
