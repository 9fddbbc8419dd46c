import { contentHash } from '../../service/domain/workflows/normalize';
import { type N8nWorkflow, writableBody } from '../../service/n8n/workflow-body';

/** A workflow as n8n's editor stores it: node keys and settings the public API refuses on write. */
const editorMade: N8nWorkflow = {
	id: 'w1',
	name: 'Invoice sync',
	active: true,
	versionId: 'v1',
	nodes: [
		{
			id: 'n1',
			name: 'Call ERP',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [0, 0],
			parameters: { url: 'https://erp.example.com' },
			credentials: { httpHeaderAuth: { id: 'c1', name: 'ERP' } },
			extendsCredential: 'httpHeaderAuth',
			rewireOutputLogTo: 'ai_tool',
			forceCustomOperation: null,
			customTelemetryTags: { tag: [] },
			notes: null,
			retryOnFail: true,
		},
	],
	connections: {},
	settings: { executionOrder: 'v1', binaryMode: 'separate', somethingNew: true, timezone: null },
	staticData: { lastId: 3 },
	pinData: { 'Call ERP': [] },
};

test('a node keeps only the keys the target version’s public API accepts, without nulls', () => {
	const [node2] = writableBody(editorMade, 2).nodes;
	expect(Object.keys(node2).sort()).toEqual(
		[
			'credentials',
			'customTelemetryTags',
			'id',
			'name',
			'parameters',
			'position',
			'retryOnFail',
			'type',
			'typeVersion',
		].sort(),
	);
	const [node1] = writableBody(editorMade, 1).nodes;
	expect(node1).not.toHaveProperty('customTelemetryTags');
	expect(node1).not.toHaveProperty('extendsCredential');
});

test('settings keep the keys the version knows; read-only fields and pinData are never written', () => {
	expect(writableBody(editorMade, 2)).toEqual({
		name: 'Invoice sync',
		nodes: expect.any(Array),
		connections: {},
		settings: { executionOrder: 'v1', binaryMode: 'separate' },
		staticData: { lastId: 3 },
	});
	expect(writableBody(editorMade, 1).settings).toEqual({ executionOrder: 'v1' });
});

test('the node keys left out do not change behaviour: the content hash is the same with or without them', () => {
	const { nodes } = writableBody(editorMade, 1);
	expect(contentHash({ ...editorMade, nodes })).toBe(contentHash(editorMade));
});
