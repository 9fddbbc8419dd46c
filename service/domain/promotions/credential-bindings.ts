import { z } from 'zod';
import type { Db } from '../../db/database';
import type { CredentialBindingsTable } from '../../db/schema';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { getEnvironmentRow } from '../environments/environments';
import { DomainError, notFound } from '../errors';
import { type KnownCredential, knownCredentials } from './credentials';

export const bindingKeySchema = z
	.object({
		sourceEnvironmentId: z.string().min(1),
		sourceCredentialId: z.string().min(1).max(200),
		targetEnvironmentId: z.string().min(1),
	})
	.strict();
export type BindingKey = z.infer<typeof bindingKeySchema>;

export const bindingSchema = bindingKeySchema
	.extend({
		targetCredentialId: z.string().min(1).max(200).describe('the target credential that stands for the source one'),
	})
	.strict()
	.refine((binding) => binding.sourceEnvironmentId !== binding.targetEnvironmentId, {
		path: ['targetEnvironmentId'],
		message: 'must differ from sourceEnvironmentId',
	});
export type BindingInput = z.infer<typeof bindingSchema>;

export const bindingListSchema = z.object({
	sourceEnvironmentId: z.string().min(1).optional(),
	targetEnvironmentId: z.string().min(1).optional(),
});

export interface CredentialBinding extends BindingInput {
	/** The credentials as the companion knows them; null when it does not (not synced, or gone). */
	sourceCredential: KnownCredential | null;
	targetCredential: KnownCredential | null;
	createdBy: string | null;
	createdAt: string;
}

export async function listBindings(db: Db, filter: z.infer<typeof bindingListSchema>): Promise<CredentialBinding[]> {
	let select = db.selectFrom('credential_bindings').selectAll();
	if (filter.sourceEnvironmentId) select = select.where('source_environment_id', '=', filter.sourceEnvironmentId);
	if (filter.targetEnvironmentId) select = select.where('target_environment_id', '=', filter.targetEnvironmentId);
	const rows = await select.orderBy('created_at').execute();
	const credentials = new Map<string, KnownCredential[]>();
	const known = async (environmentId: string) => {
		if (!credentials.has(environmentId)) credentials.set(environmentId, await knownCredentials(db, environmentId));
		return credentials.get(environmentId)!;
	};
	const bindings: CredentialBinding[] = [];
	for (const row of rows) {
		const find = async (environmentId: string, id: string) =>
			(await known(environmentId)).find((credential) => credential.id === id) ?? null;
		bindings.push({
			...toKey(row),
			targetCredentialId: row.target_credential_id,
			sourceCredential: await find(row.source_environment_id, row.source_credential_id),
			targetCredential: await find(row.target_environment_id, row.target_credential_id),
			createdBy: row.created_by,
			createdAt: row.created_at,
		});
	}
	return bindings;
}

const toKey = (row: CredentialBindingsTable): BindingKey => ({
	sourceEnvironmentId: row.source_environment_id,
	sourceCredentialId: row.source_credential_id,
	targetEnvironmentId: row.target_environment_id,
});

/** Source credential id → target credential id, for promotions from `sourceId` into `targetId`. */
export async function bindingsBetween(db: Db, sourceId: string, targetId: string): Promise<Map<string, string>> {
	const rows = await db
		.selectFrom('credential_bindings')
		.select(['source_credential_id', 'target_credential_id'])
		.where('source_environment_id', '=', sourceId)
		.where('target_environment_id', '=', targetId)
		.execute();
	return new Map(rows.map((row) => [row.source_credential_id, row.target_credential_id]));
}

/** Binds a source credential to a target one, replacing an earlier binding of the same source credential. */
export async function putBinding(db: Db, context: AuditContext, input: BindingInput): Promise<CredentialBinding> {
	await db.transaction().execute(async (trx) => {
		for (const id of [input.sourceEnvironmentId, input.targetEnvironmentId]) {
			await getEnvironmentRow(trx, id).catch(() => {
				throw new DomainError('unprocessable', `No environment has the id ${id}`);
			});
		}
		const row: CredentialBindingsTable = {
			source_environment_id: input.sourceEnvironmentId,
			source_credential_id: input.sourceCredentialId,
			target_environment_id: input.targetEnvironmentId,
			target_credential_id: input.targetCredentialId,
			created_by: context.actor.name,
			created_at: new Date().toISOString(),
		};
		await trx
			.insertInto('credential_bindings')
			.values(row)
			.onConflict((conflict) =>
				conflict.columns(['source_environment_id', 'source_credential_id', 'target_environment_id']).doUpdateSet({
					target_credential_id: row.target_credential_id,
					created_by: row.created_by,
					created_at: row.created_at,
				}),
			)
			.execute();
		await appendAudit(trx, context, {
			action: 'credential_binding.put',
			resourceType: 'environment',
			resourceId: input.targetEnvironmentId,
			environmentId: input.targetEnvironmentId,
			metadata: { ...input },
		});
	});
	const [binding] = (await listBindings(db, input)).filter(
		(candidate) => candidate.sourceCredentialId === input.sourceCredentialId,
	);
	return binding;
}

export async function deleteBinding(db: Db, context: AuditContext, key: BindingKey): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const deleted = await trx
			.deleteFrom('credential_bindings')
			.where('source_environment_id', '=', key.sourceEnvironmentId)
			.where('source_credential_id', '=', key.sourceCredentialId)
			.where('target_environment_id', '=', key.targetEnvironmentId)
			.executeTakeFirst();
		if (!deleted.numDeletedRows) throw notFound('Credential binding');
		await appendAudit(trx, context, {
			action: 'credential_binding.delete',
			resourceType: 'environment',
			resourceId: key.targetEnvironmentId,
			environmentId: key.targetEnvironmentId,
			metadata: { ...key },
		});
	});
}
