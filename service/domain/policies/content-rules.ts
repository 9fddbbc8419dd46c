import type { EnvironmentClass } from '../../db/schema';
import type { N8nNode, WorkflowInput } from '../../n8n/workflow-body';

export type Severity = 'off' | 'info' | 'warning' | 'error';

export interface Finding {
	rule: RuleId;
	severity: Exclude<Severity, 'off'>;
	message: string;
	/** The node it is about, when one. */
	node?: string;
}

export type RuleId = 'banned_node' | 'plaintext_secret' | 'schedule_too_frequent' | 'plain_http' | 'no_error_workflow';

export interface RuleSettings {
	severity: Record<RuleId, Record<EnvironmentClass, Severity>>;
	bannedNodeTypes: string[];
	/** The shortest interval a schedule may run at, in seconds. */
	scheduleFloorSeconds: number;
}

export const DEFAULT_RULES: RuleSettings = {
	severity: {
		banned_node: { dev: 'warning', staging: 'error', prod: 'error' },
		plaintext_secret: { dev: 'warning', staging: 'error', prod: 'error' },
		schedule_too_frequent: { dev: 'info', staging: 'warning', prod: 'warning' },
		plain_http: { dev: 'off', staging: 'warning', prod: 'error' },
		no_error_workflow: { dev: 'off', staging: 'info', prod: 'warning' },
	},
	bannedNodeTypes: [
		'n8n-nodes-base.executeCommand',
		'n8n-nodes-base.executeCommandTool',
		'n8n-nodes-base.ssh',
		'n8n-nodes-base.sshTool',
	],
	scheduleFloorSeconds: 60,
};

/** What the content rules find in a workflow bound for (or living in) an environment of `environmentClass`. */
export function checkWorkflow(
	workflow: WorkflowInput,
	environmentClass: EnvironmentClass,
	settings: RuleSettings = DEFAULT_RULES,
): Finding[] {
	const found: Finding[] = [];
	const add = (rule: RuleId, message: string, node?: N8nNode) => {
		const severity = settings.severity[rule][environmentClass];
		if (severity !== 'off') found.push({ rule, severity, message, ...(node && { node: node.name }) });
	};
	for (const node of workflow.nodes ?? []) {
		if (settings.bannedNodeTypes.includes(node.type))
			add('banned_node', `uses ${node.type}, which is not allowed`, node);
		for (const secret of plaintextSecrets(node)) add('plaintext_secret', secret, node);
		const every = scheduleSeconds(node);
		if (every !== undefined && every < settings.scheduleFloorSeconds)
			add(
				'schedule_too_frequent',
				`runs every ${every} s, more often than every ${settings.scheduleFloorSeconds} s`,
				node,
			);
		const url = node.parameters?.url;
		if (typeof url === 'string' && /^http:\/\//i.test(url.trim()) && !isLocal(url))
			add('plain_http', `calls ${url.trim()} over plain HTTP`, node);
	}
	if (!(workflow.settings as { errorWorkflow?: unknown } | undefined)?.errorWorkflow)
		add('no_error_workflow', 'has no error workflow: a failure goes unnoticed');
	return found;
}

/** Token formats that are secrets whatever field holds them. */
export const TOKEN_FORMATS: Array<[string, RegExp]> = [
	['an OpenAI key', /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}/],
	['a GitHub token', /\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}/],
	['a Slack token', /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
	['an AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
	['a Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/],
	['a JSON web token', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
];
const SECRET_NAMES = /^(authorization|x-api-key|api[-_]?key|apikey|access[-_]?token|token|secret|password)$/i;
/** Any of TOKEN_FORMATS, in one pass: a string none matches is not tried against each. */
const ANY_TOKEN = new RegExp(TOKEN_FORMATS.map(([, format]) => `(?:${format.source})`).join('|'));

/** Literal secrets in a node's parameters: well-known token formats, and auth headers or query keys with a literal value. */
function plaintextSecrets(node: N8nNode): string[] {
	const found = new Set<string>();
	collectSecrets(node.parameters, found);
	return [...found];
}

function collectSecrets(value: unknown, found: Set<string>): void {
	if (typeof value === 'string') {
		if (ANY_TOKEN.test(value))
			for (const [kind, format] of TOKEN_FORMATS) if (format.test(value)) found.add(`holds ${kind} in plain text`);
		return;
	}
	if (!value || typeof value !== 'object') return;
	if (Array.isArray(value)) {
		for (const item of value) collectSecrets(item, found);
		return;
	}
	const entry = value as { name?: unknown; value?: unknown };
	// { name: "Authorization", value: "Bearer …" }: a header or query parameter with a literal value.
	if (
		typeof entry.name === 'string' &&
		SECRET_NAMES.test(entry.name.trim()) &&
		typeof entry.value === 'string' &&
		entry.value.trim() !== '' &&
		!entry.value.startsWith('=')
	)
		found.add(`sends ${entry.name.trim()} with a literal value: use a credential`);
	for (const key in value) collectSecrets((value as Record<string, unknown>)[key], found);
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60 };
const DEFAULT_INTERVAL: Record<string, number> = { seconds: 30, minutes: 5 };

/** How often a Schedule Trigger fires, in seconds, when a rule of it is in seconds or minutes. */
function scheduleSeconds(node: N8nNode): number | undefined {
	if (node.type !== 'n8n-nodes-base.scheduleTrigger') return undefined;
	const intervals =
		(node.parameters?.rule as { interval?: Array<Record<string, unknown>> } | undefined)?.interval ?? [];
	const seconds = intervals.flatMap((interval) => {
		const field = String(interval.field ?? '');
		if (!(field in UNIT_SECONDS)) return [];
		const every = Number(interval[`${field}Interval`] ?? DEFAULT_INTERVAL[field]);
		return Number.isFinite(every) && every > 0 ? [every * UNIT_SECONDS[field]] : [];
	});
	return seconds.length ? Math.min(...seconds) : undefined;
}

const isLocal = (url: string) => /^http:\/\/(localhost|127\.|\[::1\])/i.test(url.trim());
