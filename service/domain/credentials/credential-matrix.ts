import type { Db } from '../../db/database';
import { listEnvironments } from '../environments/environments';
import { type CredentialBinding, listBindings } from '../promotions/credential-bindings';
import { environmentCredentials } from './credential-use';

export interface CredentialCell {
	id: string | null;
	listed: boolean;
	missing: boolean;
	/** How many synced workflows use it. */
	workflows: number;
}

export interface CredentialRow {
	type: string;
	name: string;
	/** Per environment id: the credential of this type and name there, or absent. */
	environments: Record<string, CredentialCell>;
	/** Bindings that map this row's credential in one environment to another's (named otherwise there). */
	bindings: CredentialBinding[];
}

export interface CredentialMatrix {
	environments: Array<{ id: string; name: string; class: string; listed: boolean }>;
	rows: CredentialRow[];
}

/**
 * Every credential across environments, one row per type and name (how promotions match them), with
 * where each exists, how many workflows use it, and the bindings that say its counterpart elsewhere.
 */
export async function credentialMatrix(db: Db): Promise<CredentialMatrix> {
	const environments = await listEnvironments(db);
	const bindings = await listBindings(db, {});
	const rows = new Map<string, CredentialRow>();
	const columns: CredentialMatrix['environments'] = [];
	for (const environment of environments) {
		const { listed, credentials } = await environmentCredentials(db, environment.id);
		columns.push({ id: environment.id, name: environment.name, class: environment.class, listed });
		for (const credential of credentials) {
			const key = `${credential.type}\n${credential.name}`;
			const row = rows.get(key) ?? { type: credential.type, name: credential.name, environments: {}, bindings: [] };
			rows.set(key, row);
			row.environments[environment.id] = {
				id: credential.id,
				listed: credential.listed,
				missing: credential.missing,
				workflows: credential.workflows.length,
			};
			row.bindings.push(
				...bindings.filter(
					(binding) => binding.sourceEnvironmentId === environment.id && binding.sourceCredentialId === credential.id,
				),
			);
		}
	}
	return {
		environments: columns,
		rows: [...rows.values()].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name)),
	};
}
