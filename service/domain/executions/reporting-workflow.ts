import type { WorkflowInput } from '../../n8n/workflow-body';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../events/events';

export const REPORTING_WORKFLOW_NAME = 'WorkflowOps: report failures';

/** What the reporting workflow sends of each failure n8n gives its Error Trigger (the same names the hook reads). */
const REPORT = [
	'executionId: $json.execution?.id ?? null',
	'workflowId: $json.workflow?.id ?? null',
	'workflowName: $json.workflow?.name ?? null',
	'mode: $json.execution?.mode ?? null',
	'failedNode: $json.execution?.error?.node?.name ?? $json.execution?.lastNodeExecuted ?? $json.trigger?.error?.node?.name ?? null',
	'errorMessage: $json.execution?.error?.message ?? $json.trigger?.error?.message ?? null',
].join(', ');

/**
 * The n8n workflow that reports each failure to the companion: an Error Trigger, the report as JSON
 * with its time, an HMAC-SHA256 of "<time>.<report>" with the environment's secret (n8n's Crypto
 * node), and a POST to the hook with the same headers as the companion's own webhooks. Only n8n's
 * built-in nodes, in versions both 1.x and 2.x run.
 */
export function reportingWorkflow(hookUrl: string, secret: string): WorkflowInput {
	const node = (name: string, type: string, typeVersion: number, x: number, parameters: Record<string, unknown>) => ({
		id: `workflowops-${name.toLowerCase().replace(/\W+/g, '-')}`,
		name,
		type: `n8n-nodes-base.${type}`,
		typeVersion,
		position: [x, 0] as [number, number],
		parameters,
	});
	const nodes = [
		node('On failure', 'errorTrigger', 1, 0, {}),
		node('Report', 'set', 3.4, 220, {
			mode: 'manual',
			assignments: {
				assignments: [
					{ id: 'timestamp', name: 'timestamp', type: 'number', value: '={{ Math.floor($now.toMillis() / 1000) }}' },
					{ id: 'body', name: 'body', type: 'string', value: `={{ JSON.stringify({ ${REPORT} }) }}` },
				],
			},
			options: {},
		}),
		node('Sign', 'crypto', 1, 440, {
			action: 'hmac',
			type: 'SHA256',
			value: '={{ $json.timestamp }}.{{ $json.body }}',
			dataPropertyName: 'signature',
			secret,
			encoding: 'hex',
		}),
		{
			...node('Send to WorkflowOps', 'httpRequest', 4.2, 660, {
				method: 'POST',
				url: hookUrl,
				sendHeaders: true,
				headerParameters: {
					parameters: [
						{ name: TIMESTAMP_HEADER, value: '={{ String($json.timestamp) }}' },
						{ name: SIGNATURE_HEADER, value: '=sha256={{ $json.signature }}' },
					],
				},
				sendBody: true,
				contentType: 'raw',
				rawContentType: 'application/json',
				body: '={{ $json.body }}',
				options: { timeout: 10_000 },
			}),
			retryOnFail: true,
			maxTries: 3,
			waitBetweenTries: 1000,
		},
	];
	const next = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
	return {
		name: REPORTING_WORKFLOW_NAME,
		nodes,
		connections: { 'On failure': next('Report'), Report: next('Sign'), Sign: next('Send to WorkflowOps') },
		settings: { executionOrder: 'v1' },
	};
}
