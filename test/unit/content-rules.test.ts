import { checkWorkflow, DEFAULT_RULES, TOKEN_FORMATS } from '../../service/domain/policies/content-rules';
import type { N8nNode, WorkflowInput } from '../../service/n8n/workflow-body';
import { corpusWorkflows } from '../support/corpus';

const node = (type: string, parameters: Record<string, unknown>, name = 'Node'): N8nNode => ({
	id: name,
	name,
	type,
	typeVersion: 1,
	position: [0, 0],
	parameters,
});
const workflowOf = (
	nodes: N8nNode[],
	settings: Record<string, unknown> = { errorWorkflow: 'wf-errors' },
): WorkflowInput => ({
	name: 'Under test',
	nodes,
	connections: {},
	settings,
});

test('every corpus workflow is checked at every class without an exception', () => {
	const counts = { dev: 0, staging: 0, prod: 0 };
	for (const { workflow } of corpusWorkflows())
		for (const environmentClass of ['dev', 'staging', 'prod'] as const)
			counts[environmentClass] += checkWorkflow(workflow, environmentClass).length;
	// prod is the strictest: it finds at least what staging finds, which finds at least what dev finds.
	expect(counts.prod).toBeGreaterThanOrEqual(counts.staging);
	expect(counts.staging).toBeGreaterThanOrEqual(counts.dev);
	expect(counts.dev).toBeGreaterThan(0);
});

test('findings on corpus workflows: Execute Command banned, a 5-second schedule, a literal bearer token', () => {
	const corpus = new Map(corpusWorkflows().map(({ file, workflow }) => [file, workflow]));
	const rules = (file: string) => checkWorkflow(corpus.get(file)!, 'prod').map((finding) => finding.rule);
	const withExecuteCommand = [...corpus].find(([, workflow]) =>
		workflow.nodes.some((each) => each.type === 'n8n-nodes-base.executeCommand'),
	)!;
	expect(rules(withExecuteCommand[0])).toContain('banned_node');
	expect(checkWorkflow(corpus.get('Dropbox__0969_Dropbox_Manual_Automate_Webhook.json')!, 'prod')).toContainEqual({
		rule: 'plaintext_secret',
		severity: 'error',
		message: 'sends Authorization with a literal value: use a credential',
		node: 'Get All Workflows',
	});
	expect(checkWorkflow(corpus.get('Redis__0497_Redis_Schedule_Import_Scheduled.json')!, 'prod')).toEqual(
		expect.arrayContaining([
			expect.objectContaining({
				rule: 'schedule_too_frequent',
				severity: 'warning',
				message: 'runs every 5 s, more often than every 60 s',
			}),
		]),
	);
});

test.each([
	[
		'a literal Authorization header',
		node('n8n-nodes-base.httpRequest', {
			url: 'https://api.example.com',
			headerParameters: { parameters: [{ name: 'Authorization', value: 'Bearer abc123' }] },
		}),
		'sends Authorization with a literal value: use a credential',
	],
	[
		'an API key in the query',
		node('n8n-nodes-base.httpRequest', {
			url: 'https://api.example.com',
			queryParameters: { parameters: [{ name: 'api_key', value: 'k-123' }] },
		}),
		'sends api_key with a literal value: use a credential',
	],
	[
		'an OpenAI key in a Code node',
		node('n8n-nodes-base.code', { jsCode: `const key = "sk-${'a'.repeat(40)}";` }),
		'holds an OpenAI key in plain text',
	],
	[
		'a GitHub token in a Set node',
		node('n8n-nodes-base.set', { values: { string: [{ name: 'token', value: `ghp_${'b'.repeat(36)}` }] } }),
		'holds a GitHub token in plain text',
	],
])('plain-text secrets: %s', (_case, secretNode, message) => {
	expect(checkWorkflow(workflowOf([secretNode]), 'prod')).toContainEqual({
		rule: 'plaintext_secret',
		severity: 'error',
		message,
		node: 'Node',
	});
	expect(checkWorkflow(workflowOf([secretNode]), 'dev')[0]).toMatchObject({ severity: 'warning' });
});

test('every token format is found, and each of several in one string', () => {
	const samples: Record<string, string> = {
		'an OpenAI key': `sk-proj-${'a'.repeat(24)}`,
		'a GitHub token': `github_pat_${'b'.repeat(24)}`,
		'a Slack token': `xoxb-${'1'.repeat(12)}`,
		'an AWS access key': 'AKIAABCDEFGHIJKLMNOP',
		'a Google API key': `AIza${'c'.repeat(35)}`,
		'a JSON web token': `eyJ${'d'.repeat(8)}.eyJ${'e'.repeat(8)}.${'f'.repeat(8)}`,
	};
	expect(Object.keys(samples)).toEqual(TOKEN_FORMATS.map(([kind]) => kind));
	const secretsIn = (jsCode: string) =>
		checkWorkflow(workflowOf([node('n8n-nodes-base.code', { jsCode })]), 'prod')
			.filter((finding) => finding.rule === 'plaintext_secret')
			.map((finding) => finding.message);
	for (const [kind, sample] of Object.entries(samples))
		expect(secretsIn(`const key = "${sample}";`)).toEqual([`holds ${kind} in plain text`]);
	expect(secretsIn(Object.values(samples).join(' and '))).toEqual(
		Object.keys(samples).map((kind) => `holds ${kind} in plain text`),
	);
});

test('an expression or an empty value is no plain-text secret; a schedule every 2 minutes is fine', () => {
	const clean = workflowOf([
		node('n8n-nodes-base.httpRequest', {
			url: 'https://api.example.com',
			headerParameters: {
				parameters: [
					{ name: 'Authorization', value: '={{ $env.TOKEN }}' },
					{ name: 'token', value: '' },
				],
			},
		}),
		node(
			'n8n-nodes-base.scheduleTrigger',
			{ rule: { interval: [{ field: 'minutes', minutesInterval: 2 }] } },
			'Every 2 min',
		),
	]);
	expect(checkWorkflow(clean, 'prod')).toEqual([]);
});

test('plain HTTP and a missing error workflow count by class; localhost is not plain HTTP to the world', () => {
	const calls = (url: string) => workflowOf([node('n8n-nodes-base.httpRequest', { url })], {});
	expect(checkWorkflow(calls('http://erp.example.com/api'), 'prod')).toEqual([
		{
			rule: 'plain_http',
			severity: 'error',
			message: 'calls http://erp.example.com/api over plain HTTP',
			node: 'Node',
		},
		{ rule: 'no_error_workflow', severity: 'warning', message: 'has no error workflow: a failure goes unnoticed' },
	]);
	expect(checkWorkflow(calls('http://erp.example.com/api'), 'dev')).toEqual([]);
	expect(checkWorkflow(calls('http://localhost:8080'), 'prod').map((finding) => finding.rule)).toEqual([
		'no_error_workflow',
	]);
});

test('rules are settings: a severity turned off, another node type banned, another schedule floor', () => {
	const settings = {
		...DEFAULT_RULES,
		severity: { ...DEFAULT_RULES.severity, no_error_workflow: { dev: 'off', staging: 'off', prod: 'off' } as const },
		bannedNodeTypes: ['n8n-nodes-base.code'],
		scheduleFloorSeconds: 600,
	};
	const workflow = workflowOf(
		[
			node('n8n-nodes-base.code', { jsCode: 'return items;' }),
			node('n8n-nodes-base.scheduleTrigger', { rule: { interval: [{ field: 'minutes' }] } }, 'Every 5 min'),
		],
		{},
	);
	expect(checkWorkflow(workflow, 'prod', settings).map((finding) => [finding.rule, finding.node])).toEqual([
		['banned_node', 'Node'],
		['schedule_too_frequent', 'Every 5 min'],
	]);
});
