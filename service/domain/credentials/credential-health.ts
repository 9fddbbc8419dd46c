import type { CredentialHealthTable } from '../../db/schema';
import { N8nError } from '../../n8n/errors';
import type { AuditContext } from '../audit/audit-log';
import { type EnvironmentDeps, getEnvironmentRow, n8nTarget } from '../environments/environments';
import { DomainError, messageOf } from '../errors';
import type { EventSink } from '../events/events';
import type { Job, Jobs } from '../jobs/jobs';
import { environmentCredentials } from './credential-use';

export type CredentialHealthDeps = EnvironmentDeps & { events: EventSink };

export interface CredentialTestResult {
	tested: number;
	ok: number;
	/** Those whose test failed, with n8n's reason; `newly` when the test before had passed (or none had run). */
	failing: Array<{ id: string; name: string; type: string; message: string; newly: boolean }>;
}

type Testable = Awaited<ReturnType<typeof testable>>;

/** The environment, its client and its listed credentials; n8n 1.x and an unsynced one refused in words. */
async function testable(deps: CredentialHealthDeps, environmentId: string) {
	const environment = await getEnvironmentRow(deps.db, environmentId);
	const client = deps.n8nClient(n8nTarget(deps, environment));
	if ((await client.majorVersion()) === 1)
		throw new DomainError(
			'unprocessable',
			`"${environment.name}" runs n8n 1.x, whose API cannot test credentials (n8n 2.x can)`,
		);
	const { credentials } = await environmentCredentials(deps.db, environmentId);
	const listed = credentials.flatMap((credential) =>
		credential.listed && credential.id ? [{ ...credential, id: credential.id }] : [],
	);
	if (!listed.length)
		throw new DomainError('unprocessable', `"${environment.name}" has no credentials synced: sync it first`);
	return { environment, client, listed };
}

/**
 * Tests each credential of the environment's last sync in n8n (2.x; 1.x's API cannot), keeps the
 * result and time, and announces each credential that starts failing as `credential.failing` with the
 * workflows that use it.
 */
export async function testCredentials(
	deps: CredentialHealthDeps,
	environmentId: string,
	progress?: (done: number, total: number, current: string) => Promise<void>,
): Promise<CredentialTestResult> {
	return runTests(deps, await testable(deps, environmentId), progress);
}

async function runTests(
	deps: CredentialHealthDeps,
	{ environment, client, listed }: Testable,
	progress: (done: number, total: number, current: string) => Promise<void> = async () => undefined,
): Promise<CredentialTestResult> {
	const environmentId = environment.id;
	const result: CredentialTestResult = { tested: 0, ok: 0, failing: [] };
	for (const [done, credential] of listed.entries()) {
		await progress(done, listed.length, credential.name);
		let outcome: { status: 'OK' | 'Error'; message: string };
		try {
			outcome = await client.testCredential(credential.id);
		} catch (error) {
			if (error instanceof N8nError && error.status === 404) continue; // deleted since the sync
			outcome = { status: 'Error', message: messageOf(error) };
		}
		const before = await deps.db
			.selectFrom('credential_health')
			.selectAll()
			.where('environment_id', '=', environmentId)
			.where('credential_id', '=', credential.id)
			.executeTakeFirst();
		const now = new Date().toISOString();
		const failing = outcome.status !== 'OK';
		const row: CredentialHealthTable = {
			environment_id: environmentId,
			credential_id: credential.id,
			status: failing ? 'failing' : 'ok',
			message: outcome.message ?? '',
			tested_at: now,
			failing_since: failing ? (before?.failing_since ?? now) : null,
		};
		const newly = failing && before?.status !== 'failing';
		const recorded = await deps.db.transaction().execute(async (trx) => {
			await trx
				.insertInto('credential_health')
				.values(row)
				.onConflict((oc) =>
					oc.columns(['environment_id', 'credential_id']).doUpdateSet({
						status: row.status,
						message: row.message,
						tested_at: row.tested_at,
						failing_since: row.failing_since,
					}),
				)
				.execute();
			if (!newly) return [];
			return deps.events.record(trx, 'credential.failing', {
				environment: { id: environment.id, name: environment.name, class: environment.class },
				credential: { id: credential.id, name: credential.name, type: credential.type },
				message: row.message,
				workflows: credential.workflows.map(({ id, name }) => ({ id, name })),
			});
		});
		deps.events.dispatch(recorded);
		result.tested++;
		const { id, name, type } = credential;
		if (failing) result.failing.push({ id, name, type, message: row.message, newly });
		else result.ok++;
	}
	return result;
}

/** Tests an environment's credentials as a job (one at a time per environment). */
export async function startCredentialTests(
	deps: CredentialHealthDeps & { jobs: Jobs },
	context: AuditContext,
	environmentId: string,
): Promise<Job> {
	const prepared = await testable(deps, environmentId);
	return deps.jobs.start(
		{
			kind: 'credentials.test',
			environmentId,
			createdBy: context.actor.id,
			onlyOne: 'The credentials of this environment are being tested already',
		},
		async (report) => ({
			...(await runTests(deps, prepared, (done, total, current) => report({ done, total, current, failed: 0 }))),
		}),
	);
}
