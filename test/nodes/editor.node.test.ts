import type { INodeType } from 'n8n-workflow';
import { WorkflowOpsTrigger } from '../../nodes/WorkflowOpsTrigger/WorkflowOpsTrigger.node';
import { ALL_NODES } from '../support/nodes';
import { nodeChoices } from './harness';

/** What n8n shows under a node on the canvas: its subtitle expression, run over the node's parameters. */
const subtitleOf = (node: INodeType, parameters: Record<string, unknown>) =>
	new Function('$parameter', `return ${node.description.subtitle!.replace(/^=\{\{([\s\S]*)\}\}$/, '$1')}`)(
		parameters,
	) as string;

test.each(ALL_NODES)('%s: the canvas names the operation in words, not its value', (_name, node) => {
	const choices = nodeChoices(node).filter(({ values }) => values.operation);
	for (const { values } of choices) {
		const operations = node.description.properties
			.filter((property) => property.name === 'operation')
			.flatMap((property) => property.options ?? []) as Array<{ value: string; action?: string }>;
		expect([values.operation, subtitleOf(node, values)]).toEqual([
			values.operation,
			operations.find((option) => option.value === values.operation)!.action,
		]);
	}
});

test('the Trigger’s subtitle names its events', () => {
	const trigger = new WorkflowOpsTrigger();
	expect(subtitleOf(trigger, { events: ['drift.detected', 'incident.sla_breached'] })).toBe(
		'Drift Detected, Incident Overdue',
	);
	expect(subtitleOf(trigger, {})).toBe('');
	const events = trigger.description.properties.find((property) => property.name === 'events')!.options as Array<{
		name: string;
		value: string;
	}>;
	expect(subtitleOf(trigger, { events: events.map((event) => event.value) })).toBe(
		events.map((event) => event.name).join(', '),
	);
});
