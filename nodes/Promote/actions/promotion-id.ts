import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodeProperties,
} from 'n8n-workflow';
import { environmentNames } from '../../shared/environments';
import { companionLocator, locatedId, searchCompanion, shortTime } from '../../shared/resource-locator';

export const promotionIdField: INodeProperties = companionLocator({
	name: 'promotionId',
	what: 'promotion',
	page: 'promotions',
	hasPages: false,
	searchListMethod: 'searchPromotions',
	description: 'Pick it from the list, or give its ID (as Request returns it, or a WorkflowOps Trigger event)',
	displayOptions: { show: { operation: ['approve', 'reject', 'cancel', 'execute', 'rollback', 'get'] } },
});

/** Promotions, newest first, for the Promotion locator. */
export async function searchPromotions(
	this: ILoadOptionsFunctions,
	_filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const environments = await environmentNames.call(this);
	const name = (id: unknown) => environments.get(String(id)) ?? 'an environment removed since';
	return searchCompanion.call(
		this,
		'promotions',
		undefined,
		paginationToken,
		(promotion: IDataObject) => {
			const summary = promotion.summary as { writes?: number } | undefined;
			return [
				`${name(promotion.sourceEnvironmentId)} → ${name(promotion.targetEnvironmentId)}`,
				String(promotion.status).toLowerCase().replace('_', ' '),
				`${summary?.writes ?? 0} workflow${summary?.writes === 1 ? '' : 's'}`,
				shortTime(promotion.createdAt),
			].join(' · ');
		},
		false,
	);
}

export const promotionPath = (context: IExecuteFunctions, itemIndex: number, tail = '') =>
	`/promotions/${encodeURIComponent(locatedId(context, 'promotionId', itemIndex))}${tail}`;
