import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { environmentIdOf, environmentLocator } from '../../shared/environments';
import { idList } from '../../shared/workflow-ids';

const show = { show: { operation: ['plan', 'request'] } };

/** What a plan and a request ask: from where to where, which workflows, and the options. */
export const planFields: INodeProperties[] = [
	environmentLocator(show, 'Where the workflows come from', true, {
		name: 'sourceEnvironmentId',
		displayName: 'Source Environment',
	}),
	environmentLocator(show, 'Where they go', true, { name: 'targetEnvironmentId', displayName: 'Target Environment' }),
	{
		displayName: 'Workflows',
		name: 'selection',
		type: 'options',
		options: [
			{
				name: 'Everything Changed',
				value: 'changed',
				description: 'Every source workflow whose content differs from the target',
			},
			{ name: 'By ID', value: 'ids', description: 'The source workflows with these IDs' },
			{ name: 'By Tag', value: 'tag', description: 'Every source workflow with this tag' },
		],
		default: 'changed',
		displayOptions: show,
	},
	{
		displayName: 'Workflow IDs',
		name: 'workflowIds',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'a1B2c3, d4E5f6',
		description: 'Source workflow IDs, comma-separated',
		displayOptions: { show: { ...show.show, selection: ['ids'] } },
	},
	{
		displayName: 'Tag',
		name: 'tag',
		type: 'string',
		required: true,
		default: '',
		displayOptions: { show: { ...show.show, selection: ['tag'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Activate Created Workflows',
				name: 'activate',
				type: 'boolean',
				default: false,
				description:
					'Whether the workflows the promotion creates are activated (published); updated ones keep their state',
			},
			{
				displayName: 'Override Hand Edits In',
				name: 'overrideHotfixes',
				type: 'string',
				default: '',
				placeholder: 'p1Q2r3',
				description:
					'Target workflow IDs, comma-separated, whose hand edits the promotion may overwrite (admin; kept in the pre-promotion snapshot)',
			},
			{
				displayName: 'Reason',
				name: 'reason',
				type: 'string',
				default: '',
				description: 'Why (Request only): kept with the promotion and in the audit log',
			},
		],
	},
];

/** The plan request the fields describe. */
export async function planBody(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const selection = this.getNodeParameter('selection', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const overrides = idList(String(options.overrideHotfixes ?? ''));
	return {
		sourceEnvironmentId: await environmentIdOf.call(this, itemIndex, 'sourceEnvironmentId'),
		targetEnvironmentId: await environmentIdOf.call(this, itemIndex, 'targetEnvironmentId'),
		...(selection === 'changed' && { changedOnly: true }),
		...(selection === 'ids' && { workflowIds: idList(this.getNodeParameter('workflowIds', itemIndex) as string) }),
		...(selection === 'tag' && { tag: this.getNodeParameter('tag', itemIndex) as string }),
		...(overrides.length && { overrideHotfixes: overrides }),
		...(options.activate === true && { activate: true }),
	};
}
