import type {
	IDataObject,
	IDisplayOptions,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
	INodeProperties,
} from 'n8n-workflow';
import { companionBaseUrl, companionRequest } from './transport';

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const WHOLE_UUID = new RegExp(`^${UUID}$`);

/** The companion's ids are UUIDs. */
export const isUuid = (value: string) => WHOLE_UUID.test(value);

interface CompanionLocator {
	name: string;
	/** What is picked, in words: "incident", "snapshot". */
	what: string;
	/** The companion's list of these is `/api/v1/<page>`, and one item's page `<companion>/<page>/<id>`. */
	page: string;
	/** Whether the companion's UI has a page per item (else no URL mode, and no links). */
	hasPages?: boolean;
	searchListMethod: string;
	description: string;
	displayOptions: IDisplayOptions;
}

/**
 * A required pick of one of the companion's items, as n8n's own nodes offer one: from a searchable
 * list, by the URL of its page in the companion, or by ID.
 */
export function companionLocator(locator: CompanionLocator): INodeProperties {
	const title = locator.what.charAt(0).toUpperCase() + locator.what.slice(1);
	const urlPattern = `.*/${locator.page}/(${UUID})`;
	const property: INodeProperties = {
		displayName: title,
		name: locator.name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: locator.description,
		displayOptions: locator.displayOptions,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select a ${locator.what}...`,
				typeOptions: { searchListMethod: locator.searchListMethod, searchable: true },
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: `http://localhost:5690/${locator.page}/…`,
				validation: [
					{
						type: 'regex',
						properties: {
							regex: urlPattern,
							errorMessage: `Not the URL of a ${locator.what} page in the companion`,
						},
					},
				],
				extractValue: { type: 'regex', regex: urlPattern },
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: '0b8e6f7a-…',
				validation: [
					{ type: 'regex', properties: { regex: `^\\s*${UUID}\\s*$`, errorMessage: `Not a ${locator.what} ID` } },
				],
			},
		],
	};
	return locator.hasPages === false
		? { ...property, modes: property.modes!.filter((mode) => mode.name !== 'url') }
		: property;
}

/** The id a locator holds, whichever way it was given. */
export const locatedId = (context: IExecuteFunctions, name: string, itemIndex: number) =>
	String(context.getNodeParameter(name, itemIndex, '', { extractValue: true })).trim();

/**
 * One page of a companion list for a searchable locator: `filter` is sent as `q`, the companion's
 * cursor is the pagination token, and each entry links to its page in the companion.
 */
export async function searchCompanion(
	this: ILoadOptionsFunctions,
	page: string,
	filter: string | undefined,
	paginationToken: string | undefined,
	label: (item: IDataObject) => string,
	withLinks = true,
): Promise<INodeListSearchResult> {
	const list = await companionRequest.call(this, {
		method: 'GET',
		path: `/${page}`,
		qs: { limit: 50, ...(filter && { q: filter }), ...(paginationToken && { cursor: paginationToken }) },
		itemIndex: 0,
	});
	const baseUrl = await companionBaseUrl.call(this, 0);
	const results: INodeListSearchItems[] = ((list.data ?? []) as IDataObject[]).map((item) => ({
		name: label(item),
		value: String(item.id),
		...(withLinks && { url: `${baseUrl}/${page}/${String(item.id)}` }),
	}));
	return { results, paginationToken: (list.nextCursor as string | null) ?? undefined };
}

/** "2026-11-29 14:05" of an ISO time, for a list entry. */
export const shortTime = (iso: unknown) =>
	String(iso ?? '')
		.slice(0, 16)
		.replace('T', ' ');
