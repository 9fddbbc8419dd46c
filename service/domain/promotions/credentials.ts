import type { Db } from '../../db/database';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { syncedExports } from '../workflows/inventory';

/** A credential of an instance, as far as the companion knows it (never its secret). */
export interface KnownCredential {
	id: string;
	name: string;
	type: string;
}

/** A node's use of a credential: its type, and the id (absent in older exports) and name it names. */
export interface CredentialRef {
	type: string;
	id?: string;
	name: string;
}

/** Every credential use in a workflow, one per node and credential type. */
export function credentialRefs(workflow: Pick<N8nWorkflow, 'nodes'>): Array<CredentialRef & { node: string }> {
	return (workflow.nodes ?? []).flatMap((node) =>
		Object.entries(node.credentials ?? {}).flatMap(([type, credential]) => {
			if (typeof credential === 'string') return [{ node: node.name, type, name: credential }];
			if (!credential || typeof credential.name !== 'string') return [];
			return [{ node: node.name, type, name: credential.name, ...(credential.id && { id: credential.id }) }];
		}),
	);
}

/**
 * An instance's credentials: its credential list from the last sync where its API gives one (2.x);
 * otherwise (1.x) those its synced workflows name, which is all the companion can know of them.
 */
export async function knownCredentials(db: Db, environmentId: string): Promise<KnownCredential[]> {
	const listed = await db
		.selectFrom('credential_inventory')
		.select(['n8n_id as id', 'name', 'type'])
		.where('environment_id', '=', environmentId)
		.orderBy('name')
		.execute();
	if (listed.length) return listed;
	return credentialsUsed(await syncedExports(db, environmentId)).sort((a, b) => a.name.localeCompare(b.name));
}

/** The credentials `workflows` use, once each: all that can be known of an instance that lists none. */
export function credentialsUsed(workflows: Array<Pick<N8nWorkflow, 'nodes'>>): KnownCredential[] {
	const used = new Map<string, KnownCredential>();
	for (const workflow of workflows)
		for (const ref of credentialRefs(workflow))
			if (ref.id && !used.has(ref.id)) used.set(ref.id, { id: ref.id, name: ref.name, type: ref.type });
	return [...used.values()];
}

export type CredentialResolution =
	| {
			resolved: true;
			by: 'binding' | 'name';
			to: KnownCredential;
			/** Bound to a credential the target's API cannot list (1.x): the binding is taken on trust. */
			unverified?: true;
	  }
	| {
			resolved: false;
			blocker: 'credential_missing' | 'credential_ambiguous' | 'binding_wrong_type' | 'binding_stale';
			message: string;
			candidates?: KnownCredential[];
	  };

export interface ResolutionContext {
	/** Source credential id → the target credential id an admin bound it to. */
	bindings: Map<string, string>;
	/** The source's credentials, to find the id of a use that names only a credential's name. */
	source: KnownCredential[];
	target: KnownCredential[];
	/** Whether `target` is the target's full credential list, or only what its workflows use (1.x). */
	targetListed: boolean;
	targetName: string;
}

/**
 * Which target credential stands for a source credential use: its binding, else the one target
 * credential of the same type and name, else none. A binding that no longer fits is reported as such,
 * never passed over for a name match.
 */
export function resolveCredential(ref: CredentialRef, context: ResolutionContext): CredentialResolution {
	const described = `the ${ref.type} credential "${ref.name}"`;
	const sourceId =
		ref.id ?? context.source.find((credential) => credential.type === ref.type && credential.name === ref.name)?.id;
	const bound = sourceId === undefined ? undefined : context.bindings.get(sourceId);
	if (bound !== undefined) {
		const to = context.target.find((credential) => credential.id === bound);
		if (!to && !context.targetListed)
			return { resolved: true, by: 'binding', to: { id: bound, name: ref.name, type: ref.type }, unverified: true };
		if (!to)
			return {
				resolved: false,
				blocker: 'binding_stale',
				message: `${described} is bound to credential ${bound} of "${context.targetName}", which it no longer has: bind it again`,
			};
		if (to.type !== ref.type)
			return {
				resolved: false,
				blocker: 'binding_wrong_type',
				message: `${described} is bound to "${to.name}" of "${context.targetName}", whose type is ${to.type}: bind it to a credential of type ${ref.type}`,
			};
		return { resolved: true, by: 'binding', to };
	}
	const candidates = context.target.filter(
		(credential) => credential.type === ref.type && credential.name === ref.name,
	);
	if (candidates.length === 1) return { resolved: true, by: 'name', to: candidates[0] };
	if (candidates.length > 1)
		return {
			resolved: false,
			blocker: 'credential_ambiguous',
			message: `"${context.targetName}" has ${candidates.length} ${ref.type} credentials named "${ref.name}" (${candidates.map((candidate) => candidate.id).join(', ')}): bind ${described} to one`,
			candidates,
		};
	return {
		resolved: false,
		blocker: 'credential_missing',
		message: `"${context.targetName}" has no ${ref.type} credential named "${ref.name}": create it there, or bind ${described} to one it has`,
	};
}
