import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { environmentIdOf, environmentLocator, environmentNames } from '../../shared/environments';
import { companionRequest } from '../../shared/transport';
import { idList } from '../../shared/workflow-ids';

const show = { show: { operation: ['plan', 'request'] } };
const byEnvironments = { show: { ...show.show, route: ['environments'] } };

/** What a plan and a request ask: from where to where, which workflows, and the options. */
export const planFields: INodeProperties[] = [
	{
		displayName: 'Route',
		name: 'route',
		type: 'options',
		options: [
			{
				name: 'Between Two Environments',
				value: 'environments',
				description: 'With the default gates: one approval into prod',
			},
			{ name: 'Through a Pipeline Stage', value: 'pipeline', description: 'With the gates the stage sets' },
		],
		default: 'environments',
		displayOptions: show,
	},
	environmentLocator(byEnvironments, 'Where the workflows come from', true, {
		name: 'sourceEnvironmentId',
		displayName: 'Source Environment',
	}),
	environmentLocator(byEnvironments, 'Where they go', true, {
		name: 'targetEnvironmentId',
		displayName: 'Target Environment',
	}),
	{
		displayName: 'Pipeline Stage Name or ID',
		name: 'pipelineStage',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getPipelineStages' },
		required: true,
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		hint: 'An ID here is the pipeline’s ID, a colon and the stage’s number from 0',
		displayOptions: { show: { ...show.show, route: ['pipeline'] } },
	},
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

/** Every stage of every pipeline, as "Release · dev → prod", its value "<pipeline id>:<stage>". */
export async function getPipelineStages(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const [{ data }, names] = await Promise.all([
		companionRequest.call(this, { method: 'GET', path: '/pipelines', itemIndex: 0 }),
		environmentNames.call(this),
	]);
	return ((data ?? []) as IDataObject[]).flatMap((pipeline) =>
		(pipeline.stages as IDataObject[]).map((stage) => ({
			name: `${pipeline.name} · ${names.get(String(stage.sourceEnvironmentId))} → ${names.get(String(stage.targetEnvironmentId))}`,
			value: `${pipeline.id}:${stage.position}`,
		})),
	);
}

/** Where the promotion goes: the two environments, or a pipeline's stage. */
async function route(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	if (this.getNodeParameter('route', itemIndex, 'environments') === 'pipeline') {
		const [pipelineId, stage] = String(this.getNodeParameter('pipelineStage', itemIndex)).split(':');
		return { pipelineId, stage: Number(stage) };
	}
	return {
		sourceEnvironmentId: await environmentIdOf.call(this, itemIndex, 'sourceEnvironmentId'),
		targetEnvironmentId: await environmentIdOf.call(this, itemIndex, 'targetEnvironmentId'),
	};
}

/** The plan request the fields describe. */
export async function planBody(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const selection = this.getNodeParameter('selection', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const overrides = idList(String(options.overrideHotfixes ?? ''));
	return {
		...(await route.call(this, itemIndex)),
		...(selection === 'changed' && { changedOnly: true }),
		...(selection === 'ids' && { workflowIds: idList(this.getNodeParameter('workflowIds', itemIndex) as string) }),
		...(selection === 'tag' && { tag: this.getNodeParameter('tag', itemIndex) as string }),
		...(overrides.length && { overrideHotfixes: overrides }),
		...(options.activate === true && { activate: true }),
	};
}
