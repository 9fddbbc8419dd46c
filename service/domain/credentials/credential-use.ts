import type { Db } from '../../db/database';
import { getEnvironmentRow } from '../environments/environments';
import { credentialRefs } from '../promotions/credentials';
import { syncedExports } from '../workflows/inventory';

export interface CredentialUse {
	/** n8n's id; null for a credential named by workflows only by its name (older exports). */
	id: string | null;
	name: string;
	type: string;
	/** In n8n's own credential list (2.x). False where the instance lists none (1.x): seen in workflows. */
	listed: boolean;
	/** Named by workflows, but not in the credential list the instance gave: those workflows cannot run. */
	missing: boolean;
	workflows: Array<{ id: string; name: string; nodes: string[] }>;
	/** Its last test in n8n (2.x), if one ran. */
	health: CredentialHealth | null;
}

export interface CredentialHealth {
	status: 'ok' | 'failing';
	/** n8n's own words. */
	message: string;
	testedAt: string;
	failingSince: string | null;
}

export interface EnvironmentCredentials {
	environmentId: string;
	/** Whether the instance's API lists its credentials (2.x); else what its workflows name is all there is. */
	listed: boolean;
	credentials: CredentialUse[];
}

/**
 * An environment's credentials (id, name, type; never secrets) and the synced workflows that use each:
 * its credential list from the last sync where its API gives one, with what workflows name beyond it
 * shown missing; otherwise (1.x) the credentials its workflows name.
 */
export async function environmentCredentials(db: Db, environmentId: string): Promise<EnvironmentCredentials> {
	await getEnvironmentRow(db, environmentId);
	const listed = await db
		.selectFrom('credential_inventory')
		.select(['n8n_id', 'name', 'type'])
		.where('environment_id', '=', environmentId)
		.execute();
	const health = await credentialHealth(db, environmentId);
	const uses = new Map<string, CredentialUse>();
	const keyOf = (id: string | null | undefined, type: string, name: string) => (id ? `id ${id}` : `${type}\n${name}`);
	for (const credential of listed)
		uses.set(keyOf(credential.n8n_id, credential.type, credential.name), {
			id: credential.n8n_id,
			name: credential.name,
			type: credential.type,
			listed: true,
			missing: false,
			workflows: [],
			health: health.get(credential.n8n_id) ?? null,
		});
	const byName = new Map(listed.map((credential) => [`${credential.type}\n${credential.name}`, credential.n8n_id]));
	for (const workflow of await syncedExports(db, environmentId)) {
		for (const ref of credentialRefs(workflow)) {
			// A reference by name alone stands for the listed credential of that type and name, if one.
			const id = ref.id ?? byName.get(`${ref.type}\n${ref.name}`) ?? null;
			const key = keyOf(id, ref.type, ref.name);
			let use = uses.get(key);
			if (!use) {
				use = {
					id,
					name: ref.name,
					type: ref.type,
					listed: false,
					missing: listed.length > 0,
					workflows: [],
					health: null,
				};
				uses.set(key, use);
			}
			const entry = use.workflows.find((known) => known.id === workflow.id);
			if (entry) entry.nodes.push(ref.node);
			else use.workflows.push({ id: workflow.id, name: workflow.name, nodes: [ref.node] });
		}
	}
	return {
		environmentId,
		listed: listed.length > 0,
		credentials: [...uses.values()].sort(
			(a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || (a.id ?? '').localeCompare(b.id ?? ''),
		),
	};
}

/** Each credential's last test in the environment, by n8n id. */
export async function credentialHealth(db: Db, environmentId: string): Promise<Map<string, CredentialHealth>> {
	const rows = await db
		.selectFrom('credential_health')
		.selectAll()
		.where('environment_id', '=', environmentId)
		.execute();
	return new Map(
		rows.map((row) => [
			row.credential_id,
			{ status: row.status, message: row.message, testedAt: row.tested_at, failingSince: row.failing_since },
		]),
	);
}
