import { type INode, type INodeType, NodeHelpers } from 'n8n-workflow';
import { ALL_NODES } from '../support/nodes';
import { nodeChoices } from './harness';

/** The issues n8n's editor shows on a node just added with this resource and operation. */
function issuesOfUntouched(node: INodeType, version: number, values: Record<string, string>) {
	const { description } = node;
	const parameters = NodeHelpers.getNodeParameters(
		description.properties,
		values,
		true,
		false,
		{ typeVersion: version },
		description,
	)!;
	const added: INode = {
		id: 'n',
		name: description.defaults.name!,
		type: `n8n-nodes-workflowops.${description.name}`,
		typeVersion: version,
		position: [0, 0],
		parameters,
	};
	const issues = { ...NodeHelpers.getNodeParametersIssues(description.properties, added, description)?.parameters };
	// The editor also marks a value its dropdown does not list ("The value "" is not supported!").
	for (const property of description.properties) {
		if (property.type !== 'options' || !property.options) continue;
		if (!NodeHelpers.displayParameter(parameters, property, added, description)) continue;
		const listed = property.options.map((option) => (option as { value: unknown }).value);
		if (!listed.includes(parameters[property.name]))
			issues[property.name] = [`The value "${String(parameters[property.name])}" is not supported!`];
	}
	return issues;
}

test.each(ALL_NODES.map(([, node]) => [node.description.displayName, node]))(
	'%s, just added, shows no issue but "required" on the fields a user must fill',
	(_name, node) => {
		for (const { version, values } of nodeChoices(node)) {
			const issues = issuesOfUntouched(node, version, values);
			for (const [name, messages] of Object.entries(issues)) {
				const required = node.description.properties.some((property) => property.name === name && property.required);
				expect({ version, ...values, name, required }).toEqual({ version, ...values, name, required: true });
				expect(messages).toEqual([expect.stringMatching(/is required/)]);
			}
		}
	},
);
