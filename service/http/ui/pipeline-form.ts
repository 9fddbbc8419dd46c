import type { Environment } from '../../domain/environments/environments';
import { DomainError } from '../../domain/errors';
import type { NewPipeline, Pipeline } from '../../domain/promotions/pipelines';
import { newPipelineSchema } from '../../domain/promotions/pipelines';
import type { SyncWindow } from '../../domain/promotions/windows';
import { fieldErrors, fieldMessage } from '../validate';
import type { FormErrors } from './forms';

/** Stage rows the form offers: the pipeline's own, and an empty one to add a stage. */
export const stageRows = (pipeline?: Pipeline) => (pipeline?.stages.length ?? 0) + 1;

/** The form's words for a stage's fields. */
const LABELS: Record<string, string> = {
	sourceEnvironmentId: 'From',
	targetEnvironmentId: 'Into',
	requiredApprovals: 'Approvals',
	autoApproveMaxRisk: 'No approval up to',
	deletions: 'Deletions',
};

/** A window as typed on one line: `allow|deny <5 cron fields> <duration> [time zone]`. */
const windowLine = (window: SyncWindow) => `${window.kind} ${window.schedule} ${window.duration} ${window.timeZone}`;

function parseWindowLine(line: string): Partial<SyncWindow> {
	const words = line.trim().split(/\s+/);
	const [kind, ...rest] = words;
	const timeZone = rest.length >= 7 ? rest[6] : undefined;
	return {
		kind: kind as SyncWindow['kind'],
		schedule: rest.slice(0, 5).join(' '),
		duration: rest[5] ?? '',
		...(timeZone && { timeZone }),
	};
}

/** The form's values for a pipeline, as the form's fields are named. */
export function pipelineValues(pipeline: Pipeline): Record<string, string> {
	const values: Record<string, string> = { name: pipeline.name, description: pipeline.description };
	pipeline.stages.forEach((stage, i) => {
		Object.assign(values, {
			[`source_${i}`]: stage.sourceEnvironmentId,
			[`target_${i}`]: stage.targetEnvironmentId,
			[`approvals_${i}`]: String(stage.requiredApprovals),
			[`risk_${i}`]: stage.autoApproveMaxRisk,
			[`deletions_${i}`]: stage.deletions,
			[`windows_${i}`]: stage.windows.map(windowLine).join('\n'),
			...(stage.requireTargetInSync && { [`inSync_${i}`]: 'on' }),
			...(stage.allowDriftElsewhere && { [`driftElsewhere_${i}`]: 'on' }),
			...(stage.includeDependencies && { [`dependencies_${i}`]: 'on' }),
		});
	});
	return values;
}

/** The pipeline the form describes; rows with neither environment chosen are left out. */
export function parsePipelineForm(
	body: Record<string, string>,
	rows: number,
): { data: NewPipeline; errors?: undefined } | { data?: undefined; errors: FormErrors } {
	const stages: Array<Record<string, unknown>> = [];
	const rowOf: number[] = [];
	for (let i = 0; i < rows; i++) {
		if (!body[`source_${i}`] && !body[`target_${i}`]) continue;
		const approvals = body[`approvals_${i}`]?.trim();
		const windows = (body[`windows_${i}`] ?? '').split('\n').filter((line) => line.trim());
		stages.push({
			sourceEnvironmentId: body[`source_${i}`] ?? '',
			targetEnvironmentId: body[`target_${i}`] ?? '',
			...(approvals && { requiredApprovals: Number(approvals) }),
			autoApproveMaxRisk: body[`risk_${i}`],
			requireTargetInSync: body[`inSync_${i}`] === 'on',
			allowDriftElsewhere: body[`driftElsewhere_${i}`] === 'on',
			deletions: body[`deletions_${i}`],
			includeDependencies: body[`dependencies_${i}`] === 'on',
			windows: windows.map(parseWindowLine),
		});
		rowOf.push(i);
	}
	const input = { name: body.name ?? '', description: body.description ?? '', stages };
	const result = newPipelineSchema.safeParse(input, { error: fieldMessage });
	if (result.success) return { data: result.data };
	const errors: FormErrors = {};
	for (const { field, message } of fieldErrors(result.error, input)) {
		const [top, index, key, windowIndex] = field.split('.');
		if (top !== 'stages' || index === undefined) errors[top || 'form'] ??= message;
		else {
			const row = rowOf[Number(index)];
			const where =
				key === 'windows' && windowIndex !== undefined ? `window ${Number(windowIndex) + 1}` : (LABELS[key] ?? 'it');
			errors[`stage_${row}`] ??= `Stage ${row + 1}, ${where}: ${message}`;
		}
	}
	return { errors };
}

/** The environments by id, for the stage rows' choices and the list's names. */
export const environmentNames = (environments: Environment[]) =>
	new Map(environments.map((environment) => [environment.id, environment.name]));

/** A domain refusal of a form (a name taken: 409; an environment gone: 422), for its error line. */
export function formRefusal(error: unknown): { status: number; errors: FormErrors } | undefined {
	if (error instanceof DomainError && (error.code === 'conflict' || error.code === 'unprocessable'))
		return { status: error.code === 'conflict' ? 409 : 422, errors: { form: error.message } };
	return undefined;
}
