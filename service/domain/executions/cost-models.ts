import { z } from 'zod';
import type { Db } from '../../db/database';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { getEnvironmentRow } from '../environments/environments';

export interface CostModel {
	currency: string;
	/** Per execution, whatever it does. */
	perExecution: number;
	/** Per second an execution runs. */
	perSecond: number;
	/** Per execution of a workflow holding a node of the type (an AI model node, a paid API). */
	perNodeType: Record<string, number>;
}

export const NO_COST: CostModel = { currency: 'USD', perExecution: 0, perSecond: 0, perNodeType: {} };

const price = z.number().min(0).max(1_000_000);
export const costModelSchema = z
	.object({
		currency: z
			.string()
			.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD or EUR')
			.default('USD'),
		perExecution: price.default(0),
		perSecond: price.default(0),
		perNodeType: z.record(z.string().min(1).max(200), price).default({}),
	})
	.strict();

/** Each environment's cost model (none set: nothing costs anything). */
export async function costModels(db: Db): Promise<Map<string, CostModel>> {
	const rows = await db.selectFrom('cost_models').selectAll().execute();
	return new Map(
		rows.map((row) => [
			row.environment_id,
			{
				currency: row.currency,
				perExecution: row.per_execution,
				perSecond: row.per_second,
				perNodeType: JSON.parse(row.per_node_type) as Record<string, number>,
			},
		]),
	);
}

export async function costModelOf(db: Db, environmentId: string): Promise<CostModel> {
	await getEnvironmentRow(db, environmentId);
	return (await costModels(db)).get(environmentId) ?? NO_COST;
}

/** Sets an environment's cost model (admin); audited. */
export async function setCostModel(
	db: Db,
	context: AuditContext,
	environmentId: string,
	model: CostModel,
): Promise<CostModel> {
	await getEnvironmentRow(db, environmentId);
	const row = {
		environment_id: environmentId,
		currency: model.currency,
		per_execution: model.perExecution,
		per_second: model.perSecond,
		per_node_type: JSON.stringify(model.perNodeType),
		updated_at: new Date().toISOString(),
	};
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('cost_models')
			.values(row)
			.onConflict((oc) => oc.column('environment_id').doUpdateSet(row))
			.execute();
		await appendAudit(trx, context, {
			action: 'environment.cost_model',
			resourceType: 'environment',
			resourceId: environmentId,
			environmentId,
			metadata: { ...model },
		});
	});
	return model;
}

/** What `executions` runs of a workflow holding `nodeTypes`, lasting `durationMs` in all, cost. */
export function costOf(model: CostModel, nodeTypes: string[], executions: number, durationMs: number): number {
	const perRun = model.perExecution + nodeTypes.reduce((sum, type) => sum + (model.perNodeType[type] ?? 0), 0);
	return executions * perRun + (durationMs / 1000) * model.perSecond;
}
