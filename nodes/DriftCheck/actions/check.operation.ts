import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { companionRequest } from '../../shared/transport';
import { environmentPath } from './environment-id';

const show = { show: { resource: ['environment'], operation: ['check'] } };

export const description: INodeProperties[] = [
	{
		displayName:
			'An incident’s severity weighs the highest risk by the environment’s class: in prod a MEDIUM risk makes a high incident, a HIGH risk a critical one; in dev, medium and low',
		name: 'severityNotice',
		type: 'notice',
		default: '',
		displayOptions: show,
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{
				name: 'Summary',
				value: 'summary',
				description: 'One item: the status, counts, highest risk and the incident',
			},
			{
				name: 'Drifted Workflows',
				value: 'drifted',
				description: 'One item per workflow not in sync, with status, risk and reasons (none when in sync)',
			},
		],
		default: 'summary',
		displayOptions: show,
	},
	{
		displayName: 'Include Diff',
		name: 'includeDiff',
		type: 'boolean',
		default: true,
		description: 'Whether each modified workflow carries its structural diff',
		displayOptions: { show: { ...show.show, output: ['drifted'] } },
	},
];

const RISK_ORDER = ['HIGH', 'MEDIUM', 'LOW'];

/** Runs a drift check now: live vs baseline; opens, updates or resolves the environment's incident. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const { check, incident } = await companionRequest.call(this, {
		method: 'POST',
		path: await environmentPath(this, itemIndex, '/drift-checks'),
		itemIndex,
	});
	const { id: checkId, environmentId, items, ...summary } = check as IDataObject & { items: IDataObject[] };
	const change = incident as { kind: string; incident: IDataObject } | null;
	if (this.getNodeParameter('output', itemIndex) === 'drifted') {
		const includeDiff = this.getNodeParameter('includeDiff', itemIndex, true) as boolean;
		return items.map(({ diff, liveContentHash: _c, liveRawHash: _r, ...item }) => ({
			environmentId,
			checkId,
			...item,
			...(includeDiff && diff ? { diff } : {}),
		}));
	}
	const risks = items.filter((item) => item.status !== 'DRAFT_CHANGED').map((item) => item.risk as string);
	return [
		{
			environmentId,
			checkId,
			...summary,
			highestRisk: RISK_ORDER.find((risk) => risks.includes(risk)) ?? null,
			incidentId: change?.incident.id ?? null,
			incidentChange: change?.kind ?? null,
			severity: change?.incident.severity ?? null,
		},
	];
}
