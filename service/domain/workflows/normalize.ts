import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import type { N8nNode, WorkflowInput } from '../../n8n/workflow-body';
import { mapWorkflowRefs } from './workflow-refs';

/**
 * What a workflow's content is made of, field by field: kept (it changes what the workflow does) or
 * dropped (runtime noise, or compared elsewhere). One table, so the rule is read in one place.
 */
export const WORKFLOW_FIELDS = {
	name: 'kept: the workflow’s identity for people, and what Execute Workflow nodes may refer to',
	nodes: 'kept: node by node, per NODE_FIELDS',
	connections: 'kept: the graph',
	settings:
		'kept, every key (timezone, callerPolicy, errorWorkflow, executionOrder…): they change how it runs; a null, or a value n8n fills in by default, counts as absent',
	id: 'dropped: instance-bound, differs in every environment',
	createdAt: 'dropped: runtime bookkeeping',
	updatedAt: 'dropped: runtime bookkeeping',
	versionId: 'dropped: changes on every save, even with no change (why n8n’s own tooling sees false drift)',
	activeVersion: 'dropped: publication bookkeeping (2.x)',
	activeVersionId: 'dropped: publication bookkeeping (2.x)',
	active: 'dropped: whether it runs is compared on its own, not as content',
	triggerCount: 'dropped: derived by n8n',
	meta: 'dropped: editor state (template ids, onboarding flags)',
	staticData: 'dropped: runtime state written by trigger nodes',
	pinData: 'dropped: test data pinned in the editor',
	tags: 'dropped: compared separately',
	shared: 'dropped: ownership, instance-bound',
	homeProject: 'dropped: ownership, instance-bound',
	isArchived: 'dropped: lifecycle, not content',
	description: 'dropped: documentation (2.x)',
	parentFolderId: 'dropped: where it is filed, not what it does',
} as const;

export const NODE_FIELDS = {
	name: 'kept: connections refer to nodes by name',
	type: 'kept',
	typeVersion: 'kept: another version of a node behaves differently',
	parameters: 'kept: what the node does',
	credentials:
		'kept as {type: name}: the id is instance-bound, the name is what a person chose (one name per id, as n8n saves it)',
	disabled: 'kept',
	onError: 'kept: error handling',
	continueOnFail: 'kept: error handling (older workflows)',
	retryOnFail: 'kept: error handling',
	maxTries: 'kept: error handling',
	waitBetweenTries: 'kept: error handling',
	executeOnce: 'kept',
	alwaysOutputData: 'kept',
	notes: 'kept: documentation, so a change is LOW risk',
	id: 'dropped: instance-bound; nodes are matched by name',
	position: 'dropped: where it sits on the canvas',
	notesInFlow: 'dropped: whether the notes show on the canvas',
	webhookId: 'dropped: instance-bound; a webhook’s path is a parameter',
	color: 'dropped: sticky-note colour on the canvas',
} as const;

/** The fields a table marks kept: the table drives what normalisation keeps. */
type Kept<Table> = { [K in keyof Table]: Table[K] extends `kept${string}` ? K : never }[keyof Table];
type KeptWorkflowField = Kept<typeof WORKFLOW_FIELDS>;
type KeptNodeField = Kept<typeof NODE_FIELDS>;

const keptFields = <Table extends Record<string, string>>(table: Table) =>
	(Object.keys(table) as Array<keyof Table & string>).filter((field) => table[field].startsWith('kept')) as Array<
		Kept<Table> & string
	>;
const KEPT_WORKFLOW_FIELDS = keptFields(WORKFLOW_FIELDS);
const KEPT_NODE_FIELDS = keptFields(NODE_FIELDS);

export type NormalizedNode = Partial<Record<KeptNodeField, unknown>> & { name: string };

export type NormalizedWorkflow = {
	name: string;
	nodes: NormalizedNode[];
	connections: Record<string, unknown>;
	settings: Record<string, unknown>;
} & Record<KeptWorkflowField, unknown>;

export interface NormalizeOptions {
	/**
	 * Maps an instance-bound workflow id (settings.errorWorkflow, settings.callerIds, an Execute
	 * Workflow node's workflowId) to its canonical id, so the same workflow in two environments
	 * compares equal. Without it, ids are kept as they are (fine within one environment).
	 */
	workflowRef?: (id: string) => string;
}

/**
 * How each kept workflow field is normalised. Typed by the table: marking a field kept there without
 * saying here how to normalise it, or dropping one still listed here, does not compile.
 */
const WORKFLOW_FIELD_NORMALIZERS: {
	[K in KeptWorkflowField]: (workflow: WorkflowInput) => NormalizedWorkflow[K];
} = {
	name: (workflow) => workflow.name,
	nodes: (workflow) => {
		const nodes = workflow.nodes ?? [];
		const credentialNames = firstNamePerCredentialId(nodes);
		return nodes.map((node) => normalizeNode(node, credentialNames)).sort((a, b) => compare(a.name, b.name));
	},
	connections: (workflow) => (workflow.connections ?? {}) as Record<string, unknown>,
	settings: (workflow) =>
		Object.fromEntries(
			Object.entries(workflow.settings ?? {}).filter(
				([key, value]) => value !== null && value !== undefined && value !== SETTING_DEFAULTS[key],
			),
		),
};

/** The workflow reduced to its kept fields (WORKFLOW_FIELDS), with nodes in name order. */
export function normalizeWorkflow(workflow: WorkflowInput, options: NormalizeOptions = {}): NormalizedWorkflow {
	const mapped = mapWorkflowRefs(workflow, options.workflowRef ?? ((id) => id));
	return Object.fromEntries(
		KEPT_WORKFLOW_FIELDS.map((field) => [field, WORKFLOW_FIELD_NORMALIZERS[field](mapped)]),
	) as unknown as NormalizedWorkflow;
}

/**
 * Settings n8n adds with their default when a workflow has none (1.x writes availableInMCP: false,
 * and callerPolicy when its public API updates a workflow that had none): absent and default mean
 * the same, so a default is left out.
 */
const SETTING_DEFAULTS: Record<string, unknown> = { availableInMCP: false, callerPolicy: 'workflowsFromSameOwner' };

/**
 * n8n resolves a credential by id and, when one id appears under several names in a workflow (a
 * credential renamed since some nodes were saved), saves every use under the name of the first.
 */
function firstNamePerCredentialId(nodes: N8nNode[]): Map<string, string> {
	const names = new Map<string, string>();
	for (const node of nodes) {
		for (const credential of Object.values(node.credentials ?? {})) {
			if (credential && typeof credential === 'object' && credential.id && !names.has(credential.id))
				names.set(credential.id, credential.name);
		}
	}
	return names;
}

function normalizeNode(node: N8nNode, credentialNames: Map<string, string>): NormalizedNode {
	const normalized: Record<string, unknown> = {};
	for (const field of KEPT_NODE_FIELDS) {
		const value = node[field];
		if (value !== undefined && value !== null) normalized[field] = value;
	}
	if (node.credentials) {
		// Older exports hold a credential as its bare name; n8n turns that into {id, name} when it saves.
		normalized.credentials = Object.fromEntries(
			Object.entries(node.credentials).map(([type, credential]) => [
				type,
				typeof credential === 'string'
					? credential
					: ((credential?.id && credentialNames.get(credential.id)) ?? credential?.name ?? null),
			]),
		);
	}
	return normalized as NormalizedNode;
}

/** SHA-256 of the RFC 8785 canonical JSON of the normalised workflow. */
export function contentHash(workflow: WorkflowInput, options: NormalizeOptions = {}): string {
	return hashNormalized(normalizeWorkflow(workflow, options));
}

function hashNormalized(normalized: NormalizedWorkflow): string {
	return crypto.createHash('sha256').update(canonicalJson(normalized)).digest('hex');
}

/**
 * RFC 8785 canonical JSON. JSON.stringify of a copy with sorted keys writes the same text several
 * times faster; an object with an array-index key ("0", "12"…) cannot keep sorted order in JavaScript
 * (such keys always come first, in numeric order), so such a value goes through `canonicalize`.
 */
export function canonicalJson(value: unknown): string {
	try {
		return JSON.stringify(sortedCopy(value)) ?? 'null';
	} catch (error) {
		if (error instanceof IndexKey) return canonicalize(value) ?? 'null';
		throw error;
	}
}

class IndexKey extends Error {}
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const startsWithDigit = (key: string) => key.charCodeAt(0) <= 57 && key.charCodeAt(0) >= 48;
const isArrayIndex = (key: string) => ARRAY_INDEX.test(key) && Number(key) < 2 ** 32 - 1;

function sortedCopy(value: unknown): unknown {
	if (value === null || typeof value !== 'object') return value;
	if (Array.isArray(value)) return value.map(sortedCopy);
	if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
	const keys = Object.keys(value);
	if (keys.length > 1) keys.sort();
	const copy: Record<string, unknown> = {};
	for (const key of keys) {
		if (startsWithDigit(key) && isArrayIndex(key)) throw new IndexKey();
		copy[key] = sortedCopy((value as Record<string, unknown>)[key]);
	}
	return copy;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
