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
 * The node keys each major version's public API accepts (its openapi.yml `node`, additionalProperties
 * false). Keys n8n's editor stores but the public API refuses (`extendsCredential`,
 * `rewireOutputLogTo`, `forceCustomOperation`…) are left out of what is written.
 */
const NODE_KEYS_1 = [
	'id',
	'name',
	'webhookId',
	'disabled',
	'notesInFlow',
	'notes',
	'type',
	'typeVersion',
	'executeOnce',
	'alwaysOutputData',
	'retryOnFail',
	'maxTries',
	'waitBetweenTries',
	'continueOnFail',
	'onError',
	'position',
	'parameters',
	'credentials',
];
const NODE_KEYS: Record<1 | 2, ReadonlySet<string>> = {
	1: new Set(NODE_KEYS_1),
	2: new Set([...NODE_KEYS_1, 'customTelemetryTags']),
};

/** What is written to n8n: a workflow reduced to the keys the target version accepts. */
export type WritableWorkflow = {
	name: string;
	nodes: N8nNode[];
	connections: Record<string, unknown>;
	settings: Record<string, unknown>;
	staticData?: object;
};

/**
 * The body POST/PUT /workflows accepts: name, nodes (each with only the keys this version knows),
 * connections, settings (only keys this version knows) and staticData; nulls are left out.
 * Read-only fields (id, active, versionId, tags, timestamps…) and pinData are never sent.
 */
export function writableBody(workflow: WorkflowInput, major: 1 | 2): WritableWorkflow {
	return {
		name: workflow.name,
		nodes: (workflow.nodes ?? []).map((node) => pickKnown(node, NODE_KEYS[major]) as N8nNode),
		connections: workflow.connections ?? {},
		settings: pickKnown(workflow.settings ?? {}, SETTINGS_KEYS[major]),
		...(isObject(workflow.staticData) && { staticData: workflow.staticData }),
	};
}

/** The keys of `record` this version knows, without null or undefined values. */
function pickKnown(record: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(record).filter(([key, value]) => known.has(key) && value !== null && value !== undefined),
	);
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;
