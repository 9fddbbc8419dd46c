export type Risk = 'HIGH' | 'MEDIUM' | 'LOW';

export type ChangeCategory =
	| 'credentials'
	| 'trigger'
	| 'code'
	| 'http'
	| 'expression'
	| 'routing'
	| 'parameters'
	| 'error-handling'
	| 'settings'
	| 'rename'
	| 'notes';

/**
 * The risk of each category. HIGH: what it reaches, with what identity, when it starts, which code it
 * runs, where data flows. MEDIUM: how it behaves around that (error handling, settings, other
 * parameters). LOW: what people read (names, notes).
 */
export const RISK_OF: Record<ChangeCategory, Risk> = {
	credentials: 'HIGH',
	trigger: 'HIGH',
	code: 'HIGH',
	http: 'HIGH',
	expression: 'HIGH',
	routing: 'HIGH',
	parameters: 'MEDIUM',
	'error-handling': 'MEDIUM',
	settings: 'MEDIUM',
	rename: 'LOW',
	notes: 'LOW',
};

const CODE_NODES = new Set([
	'n8n-nodes-base.code',
	'n8n-nodes-base.function',
	'n8n-nodes-base.functionItem',
	'n8n-nodes-base.executeCommand',
	'n8n-nodes-base.ssh',
	'@n8n/n8n-nodes-langchain.code',
]);
const HTTP_NODES = new Set(['n8n-nodes-base.httpRequest', '@n8n/n8n-nodes-langchain.toolHttpRequest']);
const ROUTING_NODES = new Set([
	'n8n-nodes-base.if',
	'n8n-nodes-base.switch',
	'n8n-nodes-base.filter',
	'n8n-nodes-base.merge',
	'n8n-nodes-base.splitInBatches',
	'n8n-nodes-base.executeWorkflow',
]);
const HTTP_TARGET_PARAMETER = /(^|\.)(url|baseUrl|endpoint|host|uri)$/i;
const ERROR_HANDLING_FIELDS = new Set(['onError', 'continueOnFail', 'retryOnFail', 'maxTries', 'waitBetweenTries']);

/** A node that starts its workflow: a trigger, a webhook, or the old cron and interval nodes. */
export function isTriggerNode(type: string): boolean {
	return (
		/trigger$/i.test(type) ||
		type === 'n8n-nodes-base.webhook' ||
		type === 'n8n-nodes-base.cron' ||
		type === 'n8n-nodes-base.interval'
	);
}

/** The category of a change to a node of this type: its addition or removal, a field, or a parameter. */
export function classifyNodeChange(
	type: string,
	field: string,
	path?: string,
	before?: unknown,
	after?: unknown,
): ChangeCategory {
	if (field === 'added-or-removed') return isTriggerNode(type) ? 'trigger' : 'routing';
	if (field === 'credentials') return 'credentials';
	if (field === 'notes') return 'notes';
	if (ERROR_HANDLING_FIELDS.has(field)) return 'error-handling';
	if (field === 'disabled' || field === 'type') return isTriggerNode(type) ? 'trigger' : 'routing';
	if (field !== 'parameter') return 'parameters';
	if (isTriggerNode(type)) return 'trigger';
	if (CODE_NODES.has(type)) return 'code';
	if (HTTP_NODES.has(type) || HTTP_TARGET_PARAMETER.test(path ?? '')) return 'http';
	if (isExpression(before) || isExpression(after)) return 'expression';
	if (ROUTING_NODES.has(type)) return 'routing';
	return 'parameters';
}

const isExpression = (value: unknown) => typeof value === 'string' && value.startsWith('=');

export function maxRisk(risks: Risk[]): Risk | null {
	if (risks.includes('HIGH')) return 'HIGH';
	if (risks.includes('MEDIUM')) return 'MEDIUM';
	return risks.includes('LOW') ? 'LOW' : null;
}
