import canonicalize from 'canonicalize';
import {
	canonicalJson,
	contentHash,
	NODE_FIELDS,
	normalizeWorkflow,
	WORKFLOW_FIELDS,
} from '../../service/domain/workflows/normalize';
import type { WorkflowInput } from '../../service/n8n/workflow-body';
import { corpusWorkflows } from '../support/corpus';

const base = (): WorkflowInput => ({
	id: 'wf-1',
	name: 'Invoice sync',
	active: true,
	versionId: 'v1',
	updatedAt: '2026-01-01T00:00:00.000Z',
	createdAt: '2026-01-01T00:00:00.000Z',
	meta: { templateId: '12' },
	pinData: { Fetch: [{ json: { a: 1 } }] },
	staticData: { lastId: 4 },
	tags: [{ id: 't', name: 'finance' }],
	settings: { executionOrder: 'v1', timezone: 'Europe/Paris', errorWorkflow: 'err-1' },
	nodes: [
		{
			id: 'n1',
			name: 'Every hour',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [0, 0],
			parameters: { rule: { interval: [{ field: 'hours' }] } },
		},
		{
			id: 'n2',
			name: 'Fetch',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [200, 0],
			parameters: { url: 'https://api.example.com/invoices', method: 'GET' },
			credentials: { httpHeaderAuth: { id: 'c-17', name: 'Invoices API' } },
			onError: 'continueRegularOutput',
		},
	],
	connections: { 'Every hour': { main: [[{ node: 'Fetch', type: 'main', index: 0 }]] } },
});

const hashOf = (change: (workflow: WorkflowInput) => void) => {
	const workflow = base();
	change(workflow);
	return contentHash(workflow);
};
const reference = contentHash(base());

test('every field of the table says whether it is kept or dropped, and why', () => {
	for (const reason of [...Object.values(WORKFLOW_FIELDS), ...Object.values(NODE_FIELDS)])
		expect(reason).toMatch(/^(kept|dropped)/);
});

/** Another value of the same kind. */
const another = (value: unknown): unknown =>
	Array.isArray(value)
		? []
		: value && typeof value === 'object'
			? { changedBy: 'test' }
			: typeof value === 'boolean'
				? !value
				: typeof value === 'number'
					? value + 1
					: `${String(value)} changed`;

test.each(Object.entries(WORKFLOW_FIELDS))(
	'the workflow field %s changes the hash exactly when the table keeps it',
	(field, reason) => {
		const hash = hashOf((w) => Object.assign(w, { [field]: another((w as Record<string, unknown>)[field]) }));
		expect({ field, changesHash: hash !== reference }).toEqual({ field, changesHash: reason.startsWith('kept') });
	},
);

test.each(Object.entries(NODE_FIELDS))(
	'the node field %s changes the hash exactly when the table keeps it',
	(field, reason) => {
		const hash = hashOf((w) =>
			Object.assign(w.nodes[1], { [field]: another((w.nodes[1] as Record<string, unknown>)[field]) }),
		);
		expect({ field, changesHash: hash !== reference }).toEqual({ field, changesHash: reason.startsWith('kept') });
	},
);

test('a field the tables do not know is left out, on the workflow and on a node', () => {
	expect(hashOf((w) => Object.assign(w, { addedInN8n3: { anything: true } }))).toBe(reference);
	expect(hashOf((w) => Object.assign(w.nodes[1], { addedInN8n3: 'x' }))).toBe(reference);
});

test.each([
	['a node moved on the canvas', (w: WorkflowInput) => (w.nodes[1].position = [999, 42])],
	['a new versionId', (w: WorkflowInput) => (w.versionId = 'v2')],
	['a new updatedAt', (w: WorkflowInput) => (w.updatedAt = '2027-01-01T00:00:00.000Z')],
	['another instance id', (w: WorkflowInput) => (w.id = 'other')],
	['node ids', (w: WorkflowInput) => w.nodes.forEach((node, i) => (node.id = `x${i}`))],
	['nodes in another order', (w: WorkflowInput) => w.nodes.reverse()],
	[
		'keys in another order',
		(w: WorkflowInput) => (w.nodes[1].parameters = { method: 'GET', url: 'https://api.example.com/invoices' }),
	],
	[
		'the credential id (same credential name)',
		(w: WorkflowInput) => (w.nodes[1].credentials = { httpHeaderAuth: { id: 'c-99', name: 'Invoices API' } }),
	],
	[
		'active, tags, pinData, staticData, meta',
		(w: WorkflowInput) => Object.assign(w, { active: false, tags: [], pinData: {}, staticData: null, meta: {} }),
	],
	['a null setting (n8n drops them)', (w: WorkflowInput) => (w.settings!.saveManualExecutions = null)],
])('same hash after %s', (_name, change) => {
	expect(hashOf(change)).toBe(reference);
});

test.each([
	['a parameter', (w: WorkflowInput) => (w.nodes[1].parameters.url = 'https://evil.example.com')],
	['typeVersion', (w: WorkflowInput) => (w.nodes[1].typeVersion = 4.3)],
	['disabled', (w: WorkflowInput) => (w.nodes[1].disabled = true)],
	['onError', (w: WorkflowInput) => (w.nodes[1].onError = 'stopWorkflow')],
	[
		'the credential used',
		(w: WorkflowInput) => (w.nodes[1].credentials = { httpHeaderAuth: { id: 'c-17', name: 'Other API' } }),
	],
	['a connection', (w: WorkflowInput) => (w.connections = {})],
	['a setting', (w: WorkflowInput) => (w.settings!.timezone = 'UTC')],
	['the workflow name', (w: WorkflowInput) => (w.name = 'Invoice sync v2')],
	['a node name', (w: WorkflowInput) => (w.nodes[1].name = 'Fetch invoices')],
	['node notes', (w: WorkflowInput) => (w.nodes[1].notes = 'calls the billing API')],
])('another hash after changing %s', (_name, change) => {
	expect(hashOf(change)).not.toBe(reference);
});

test('instance-bound workflow ids compare through the identity mapping', () => {
	const dev = base();
	const prod = base();
	prod.settings!.errorWorkflow = 'err-prod-9';
	const toCanonical = (ids: Record<string, string>) => ({ workflowRef: (id: string) => ids[id] ?? id });
	expect(contentHash(dev)).not.toBe(contentHash(prod));
	expect(contentHash(dev, toCanonical({ 'err-1': 'canonical-err' }))).toBe(
		contentHash(prod, toCanonical({ 'err-prod-9': 'canonical-err' })),
	);
});

test('Execute Workflow references (plain id or resource locator) go through the mapping', () => {
	const withCall = (workflowId: unknown): WorkflowInput => ({
		name: 'caller',
		nodes: [
			{
				name: 'Call',
				type: 'n8n-nodes-base.executeWorkflow',
				typeVersion: 1.1,
				position: [0, 0],
				parameters: { workflowId },
			},
		],
		connections: {},
	});
	const map = { workflowRef: (id: string) => (id === 'a' || id === 'b' ? 'same' : id) };
	expect(contentHash(withCall('a'), map)).toBe(contentHash(withCall('b'), map));
	expect(contentHash(withCall({ __rl: true, mode: 'id', value: 'a' }), map)).toBe(
		contentHash(withCall({ __rl: true, mode: 'id', value: 'b' }), map),
	);
	expect(contentHash(withCall('a'))).not.toBe(contentHash(withCall('b')));
});

test('the normalised form holds only kept fields, credentials as type → name', () => {
	expect(normalizeWorkflow(base())).toEqual({
		name: 'Invoice sync',
		settings: { executionOrder: 'v1', timezone: 'Europe/Paris', errorWorkflow: 'err-1' },
		connections: base().connections,
		nodes: [
			{
				name: 'Every hour',
				type: 'n8n-nodes-base.scheduleTrigger',
				typeVersion: 1.2,
				parameters: { rule: { interval: [{ field: 'hours' }] } },
			},
			{
				name: 'Fetch',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: { url: 'https://api.example.com/invoices', method: 'GET' },
				credentials: { httpHeaderAuth: 'Invoices API' },
				onError: 'continueRegularOutput',
			},
		],
	});
});

test('every corpus workflow normalises and hashes, the same way twice, whatever its key order', () => {
	const shuffled = (value: unknown): unknown =>
		Array.isArray(value)
			? value.map(shuffled)
			: value && typeof value === 'object'
				? Object.fromEntries(
						Object.entries(value)
							.reverse()
							.map(([key, inner]) => [key, shuffled(inner)]),
					)
				: value;
	for (const { workflow } of corpusWorkflows()) {
		const hash = contentHash(workflow);
		expect(hash).toMatch(/^[0-9a-f]{64}$/);
		expect(contentHash(JSON.parse(JSON.stringify(workflow)))).toBe(hash);
		expect(contentHash(shuffled(workflow) as WorkflowInput)).toBe(hash);
	}
});

test('canonical JSON is RFC 8785 text, as the canonicalize reference writes it', () => {
	const awkward = [
		{ b: 1, a: [3, 2, { d: null, c: undefined }], '': 'empty key' },
		{ '10': 'ten', '2': 'two', '1': 'one', x: { '0': [] } },
		{ nested: { deeper: { '4294967295': 'not an index', '007': 'not an index either' } } },
		{ é: 1, e: 2, '\u{1F600}': 3, '\uFFFF': 4, Z: 5 },
		[1e21, 1e-7, -0, 0.1 + 0.2, 5e-324, Number.MAX_SAFE_INTEGER, undefined],
		{ text: 'quote " backslash \\ newline \n tab \t nul \u0000 lone \uD800 emoji \u{1F600}' },
		{},
		[],
		'a string',
		null,
		true,
	];
	for (const value of awkward) expect(canonicalJson(value)).toBe(canonicalize(value));
	for (const { workflow } of corpusWorkflows()) {
		expect(canonicalJson(workflow)).toBe(canonicalize(workflow));
		const normalized = normalizeWorkflow(workflow);
		expect(canonicalJson(normalized)).toBe(canonicalize(normalized));
	}
});

test('a credential held as its bare name (older exports) equals the {id, name} n8n saves it as', () => {
	const legacy = base();
	legacy.nodes[1].credentials = { httpHeaderAuth: 'Invoices API' };
	expect(contentHash(legacy)).toBe(reference);
});

test('settings n8n fills in with their default count as absent', () => {
	const withDefault = base();
	withDefault.settings!.availableInMCP = false;
	expect(contentHash(withDefault)).toBe(reference);
	withDefault.settings!.callerPolicy = 'workflowsFromSameOwner';
	expect(contentHash(withDefault)).toBe(reference);
	withDefault.settings!.availableInMCP = true;
	expect(contentHash(withDefault)).not.toBe(reference);
	withDefault.settings!.availableInMCP = false;
	withDefault.settings!.callerPolicy = 'none';
	expect(contentHash(withDefault)).not.toBe(reference);
});

test('one credential id under two names takes the name of its first use, as n8n saves it', () => {
	const twoNames = base();
	twoNames.nodes.push({
		...twoNames.nodes[1],
		name: 'Fetch again',
		credentials: { httpHeaderAuth: { id: 'c-17', name: 'Old name' } },
	});
	const saved = base();
	saved.nodes.push({
		...saved.nodes[1],
		name: 'Fetch again',
		credentials: { httpHeaderAuth: { id: 'c-17', name: 'Invoices API' } },
	});
	expect(contentHash(twoNames)).toBe(contentHash(saved));
});
