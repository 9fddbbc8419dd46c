/** A workflow as n8n's public API returns it (the fields this project reads). */
export interface N8nWorkflow {
	id: string;
	name: string;
	active: boolean;
	nodes: N8nNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	staticData?: unknown;
	createdAt?: string;
	updatedAt?: string;
	versionId?: string;
	tags?: Array<{ id: string; name: string }>;
	[field: string]: unknown;
}

export interface N8nNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	/** {id, name}; older exports hold just the name. */
	credentials?: Record<string, { id?: string; name: string } | string>;
	[field: string]: unknown;
}

/** What a workflow export may carry; only what changes behaviour is sent (see writableBody). */
export type WorkflowInput = Pick<N8nWorkflow, 'name' | 'nodes' | 'connections'> & Partial<N8nWorkflow>;

/**
 * The settings keys each major version's public API accepts (its openapi.yml `workflowSettings`,
 * additionalProperties false). 2.x accepts every 1.x key.
 */
const SETTINGS_KEYS_1 = [
	'saveExecutionProgress',
	'saveManualExecutions',
	'saveDataErrorExecution',
	'saveDataSuccessExecution',
	'executionTimeout',
	'errorWorkflow',
	'timezone',
	'executionOrder',
	'callerPolicy',
	'callerIds',
	'timeSavedPerExecution',
	'availableInMCP',
];
const SETTINGS_KEYS: Record<1 | 2, ReadonlySet<string>> = {
	1: new Set(SETTINGS_KEYS_1),
	2: new Set([
		...SETTINGS_KEYS_1,
		'binaryMode',
		'timeSavedMode',
		'redactionPolicy',
		'customTelemetryTags',
		'credentialResolverId',
	]),
};

/**
 * The body POST/PUT /workflows accepts: name, nodes, connections, settings (only keys this version
 * knows, no nulls) and staticData. Read-only fields (id, active, versionId, tags, timestamps…) and
 * pinData are left out. Nodes are sent as they are: n8n itself judges them.
 */
export function writableBody(workflow: WorkflowInput, major: 1 | 2): Record<string, unknown> {
	const allowed = SETTINGS_KEYS[major];
	const settings = Object.fromEntries(
		Object.entries(workflow.settings ?? {}).filter(
			([key, value]) => allowed.has(key) && value !== null && value !== undefined,
		),
	);
	return {
		name: workflow.name,
		nodes: workflow.nodes,
		connections: workflow.connections ?? {},
		settings,
		...(isObject(workflow.staticData) && { staticData: workflow.staticData }),
	};
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;
