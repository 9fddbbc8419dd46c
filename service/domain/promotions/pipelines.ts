import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import type { Database, EnvironmentRow, PipelineStagesTable, PipelinesTable } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { conflict, DomainError, notFound } from '../errors';
import { type SyncWindow, windowSchema } from './windows';

const RISK_CEILINGS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;

export const stageSchema = z
	.object({
		sourceEnvironmentId: z.string().min(1),
		targetEnvironmentId: z.string().min(1),
		requiredApprovals: z
			.number()
			.int()
			.min(0)
			.max(10)
			.optional()
			.describe('approvals needed before a promotion runs; 1 when the target is a prod environment, else 0'),
		autoApproveMaxRisk: z
			.enum(RISK_CEILINGS)
			.default('NONE')
			.describe('a plan whose highest risk is at or below this needs no approval'),
		requireTargetInSync: z
			.boolean()
			.default(true)
			.describe('the target is checked for drift when a promotion is requested and again before it runs'),
		allowDriftElsewhere: z
			.boolean()
			.default(false)
			.describe('drift in target workflows the promotion does not touch does not block it'),
		windows: z.array(windowSchema).max(20).default([]).describe('when promotions may run (Argo CD sync windows)'),
		deletions: z
			.enum(['report', 'archive'])
			.default('report')
			.describe('report: workflows gone from the source are shown, never removed; archive: unpublished, then deleted'),
		includeDependencies: z
			.boolean()
			.default(true)
			.describe('sub-workflows and error workflows the selection needs and the target lacks join the plan'),
	})
	.strict()
	.refine((stage) => stage.sourceEnvironmentId !== stage.targetEnvironmentId, {
		path: ['targetEnvironmentId'],
		message: 'must differ from sourceEnvironmentId',
	});
export type StageInput = z.infer<typeof stageSchema>;

const stagesSchema = z
	.array(stageSchema)
	.min(1)
	.max(10)
	.superRefine((stages, context) => {
		stages.forEach((stage, index) => {
			const first = stages.findIndex(
				(other) =>
					other.sourceEnvironmentId === stage.sourceEnvironmentId &&
					other.targetEnvironmentId === stage.targetEnvironmentId,
			);
			if (first < index)
				context.addIssue({
					code: 'custom',
					path: [index],
					message: `repeats stage ${first + 1} (same source and target)`,
				});
		});
	});

export const newPipelineSchema = z
	.object({
		name: z.string().trim().min(1).max(100),
		description: z.string().trim().max(2000).default(''),
		stages: stagesSchema.describe('source → target steps, in the order promotions go through them'),
	})
	.strict();
export type NewPipeline = z.infer<typeof newPipelineSchema>;

export const pipelinePatchSchema = z
	.object({
		name: z.string().trim().min(1).max(100),
		description: z.string().trim().max(2000),
		stages: stagesSchema.describe('replaces every stage'),
	})
	.partial()
	.strict()
	.refine((patch) => Object.keys(patch).length > 0, 'must change name, description or stages');
export type PipelinePatch = z.infer<typeof pipelinePatchSchema>;

export interface Stage {
	position: number;
	sourceEnvironmentId: string;
	targetEnvironmentId: string;
	requiredApprovals: number;
	autoApproveMaxRisk: (typeof RISK_CEILINGS)[number];
	requireTargetInSync: boolean;
	allowDriftElsewhere: boolean;
	windows: SyncWindow[];
	deletions: 'report' | 'archive';
	includeDependencies: boolean;
}

export interface Pipeline {
	id: string;
	name: string;
	description: string;
	stages: Stage[];
	createdBy: string | null;
	createdAt: string;
	updatedAt: string;
}

const toStage = (row: PipelineStagesTable): Stage => ({
	position: row.position,
	sourceEnvironmentId: row.source_environment_id,
	targetEnvironmentId: row.target_environment_id,
	requiredApprovals: row.required_approvals,
	autoApproveMaxRisk: row.auto_approve_max_risk,
	requireTargetInSync: row.require_target_in_sync === 1,
	allowDriftElsewhere: row.allow_drift_elsewhere === 1,
	windows: JSON.parse(row.windows) as SyncWindow[],
	deletions: row.deletions,
	includeDependencies: row.include_dependencies === 1,
});

const toPipeline = (row: PipelinesTable, stages: PipelineStagesTable[]): Pipeline => ({
	id: row.id,
	name: row.name,
	description: row.description,
	stages: stages.map(toStage),
	createdBy: row.created_by,
	createdAt: row.created_at,
	updatedAt: row.updated_at,
});

/** A stage as requested, its defaults filled in: one approval into prod, none elsewhere. */
const resolveStage = (input: StageInput, position: number, targetClass: EnvironmentRow['class']): Stage => ({
	position,
	sourceEnvironmentId: input.sourceEnvironmentId,
	targetEnvironmentId: input.targetEnvironmentId,
	requiredApprovals: input.requiredApprovals ?? (targetClass === 'prod' ? 1 : 0),
	autoApproveMaxRisk: input.autoApproveMaxRisk,
	requireTargetInSync: input.requireTargetInSync,
	allowDriftElsewhere: input.allowDriftElsewhere,
	windows: input.windows,
	deletions: input.deletions,
	includeDependencies: input.includeDependencies,
});

/** The gates of a promotion between two environments outside any pipeline: a stage's defaults. */
export const defaultStage = (sourceId: string, target: Pick<EnvironmentRow, 'id' | 'class'>): Stage =>
	resolveStage(stageSchema.parse({ sourceEnvironmentId: sourceId, targetEnvironmentId: target.id }), 0, target.class);

const stageRow = (pipelineId: string, stage: Stage): PipelineStagesTable => ({
	pipeline_id: pipelineId,
	position: stage.position,
	source_environment_id: stage.sourceEnvironmentId,
	target_environment_id: stage.targetEnvironmentId,
	required_approvals: stage.requiredApprovals,
	auto_approve_max_risk: stage.autoApproveMaxRisk,
	require_target_in_sync: stage.requireTargetInSync ? 1 : 0,
	allow_drift_elsewhere: stage.allowDriftElsewhere ? 1 : 0,
	windows: JSON.stringify(stage.windows),
	deletions: stage.deletions,
	include_dependencies: stage.includeDependencies ? 1 : 0,
});

/** The stages with their defaults, every environment they name checked to exist. */
async function resolveStages(db: Db, stages: StageInput[]): Promise<Stage[]> {
	const ids = [...new Set(stages.flatMap((stage) => [stage.sourceEnvironmentId, stage.targetEnvironmentId]))];
	const environments = new Map(
		(await db.selectFrom('environments').select(['id', 'class']).where('id', 'in', ids).execute()).map((row) => [
			row.id,
			row.class,
		]),
	);
	const unknown = stages.flatMap((stage, index) =>
		(['sourceEnvironmentId', 'targetEnvironmentId'] as const)
			.filter((field) => !environments.has(stage[field]))
			.map((field) => ({ field: `stages.${index}.${field}`, message: `no environment has the id ${stage[field]}` })),
	);
	if (unknown.length)
		throw new DomainError(
			'unprocessable',
			unknown.map((problem) => `${problem.field}: ${problem.message}`).join('; '),
			unknown,
		);
	return stages.map((stage, index) => resolveStage(stage, index, environments.get(stage.targetEnvironmentId)!));
}

export async function listPipelines(db: Db): Promise<Pipeline[]> {
	const rows = await db.selectFrom('pipelines').selectAll().orderBy('name').execute();
	const stages = await db.selectFrom('pipeline_stages').selectAll().orderBy('position').execute();
	return rows.map((row) =>
		toPipeline(
			row,
			stages.filter((stage) => stage.pipeline_id === row.id),
		),
	);
}

export async function getPipeline(db: Db, id: string): Promise<Pipeline> {
	const row = await db.selectFrom('pipelines').selectAll().where('id', '=', id).executeTakeFirst();
	if (!row) throw notFound('Pipeline');
	const stages = await db
		.selectFrom('pipeline_stages')
		.selectAll()
		.where('pipeline_id', '=', id)
		.orderBy('position')
		.execute();
	return toPipeline(row, stages);
}

async function refuseTakenName(db: Db, name: string, except?: string): Promise<void> {
	let taken = db.selectFrom('pipelines').select('id').where('name', '=', name);
	if (except) taken = taken.where('id', '!=', except);
	if (await taken.executeTakeFirst()) throw conflict(`A pipeline named "${name}" already exists`);
}

export async function createPipeline(db: Db, context: AuditContext, input: NewPipeline): Promise<Pipeline> {
	const now = new Date().toISOString();
	const row: PipelinesTable = {
		id: crypto.randomUUID(),
		name: input.name,
		description: input.description,
		created_by: context.actor.name,
		created_at: now,
		updated_at: now,
	};
	await db.transaction().execute(async (trx) => {
		await refuseTakenName(trx, input.name);
		const stages = await resolveStages(trx, input.stages);
		await trx.insertInto('pipelines').values(row).execute();
		await trx
			.insertInto('pipeline_stages')
			.values(stages.map((stage) => stageRow(row.id, stage)))
			.execute();
		await audit(trx, context, 'pipeline.create', row.id, { name: row.name, stages: stages.length });
	});
	return getPipeline(db, row.id);
}

export async function updatePipeline(
	db: Db,
	context: AuditContext,
	id: string,
	patch: PipelinePatch,
): Promise<Pipeline> {
	await db.transaction().execute(async (trx) => {
		await getPipeline(trx, id);
		if (patch.name !== undefined) await refuseTakenName(trx, patch.name, id);
		const fields = {
			...(patch.name !== undefined && { name: patch.name }),
			...(patch.description !== undefined && { description: patch.description }),
		};
		await trx
			.updateTable('pipelines')
			.set({ ...fields, updated_at: new Date().toISOString() })
			.where('id', '=', id)
			.execute();
		if (patch.stages) {
			const stages = await resolveStages(trx, patch.stages);
			await trx.deleteFrom('pipeline_stages').where('pipeline_id', '=', id).execute();
			await trx
				.insertInto('pipeline_stages')
				.values(stages.map((stage) => stageRow(id, stage)))
				.execute();
		}
		await audit(trx, context, 'pipeline.update', id, { changed: Object.keys(patch) });
	});
	return getPipeline(db, id);
}

export async function deletePipeline(db: Db, context: AuditContext, id: string): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const pipeline = await getPipeline(trx, id);
		await trx.deleteFrom('pipelines').where('id', '=', id).execute();
		await audit(trx, context, 'pipeline.delete', id, { name: pipeline.name });
	});
}

const audit = (
	trx: Transaction<Database>,
	context: AuditContext,
	action: string,
	id: string,
	metadata: Record<string, unknown>,
) => appendAudit(trx, context, { action, resourceType: 'pipeline', resourceId: id, metadata });
