import { z } from 'zod';
import type { N8nWorkflow } from '../../n8n/workflow-body';
import { appendAudit, type AuditContext } from '../audit/audit-log';
import { explainGitHub, type GitDeps, mirrorRepo } from '../environments/git-mirror';
import { getEnvironmentRow } from '../environments/environments';
import { DomainError } from '../errors';
import type { CommitResult } from '../../git/github';
import { canonicalJson } from '../workflows/normalize';
import { currentIds } from '../workflows/workflow-identity';
import { snapshotWorkflows } from './compare';
import type { RestoreSource } from './restore';
import { parseJson } from '../../json';
import { getSnapshot } from './snapshots';

const MANIFEST = 'manifest.json';

const manifestSchema = z.object({
	format: z.literal(1),
	snapshot: z.object({ id: z.string(), label: z.string(), selective: z.boolean() }).passthrough(),
	workflows: z.array(
		z.object({ id: z.string(), name: z.string(), file: z.string(), canonicalId: z.string().optional() }).passthrough(),
	),
});

/** Canonical JSON (keys sorted), indented by two spaces, so Git diffs of a workflow are stable and readable. */
const fileContent = (value: unknown) => `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;

/** `workflows/<slug of the name>--<id>.json`: readable, and unique through the id. */
export function workflowFileName(workflow: { id: string; name: string }): string {
	const slug = workflow.name
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 60);
	return `workflows/${slug || 'workflow'}--${workflow.id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
}

/**
 * Pushes a snapshot to its environment's GitHub mirror as one commit: one file per workflow (the
 * export n8n gave, keys sorted) and a manifest. Files of workflows the snapshot lacks are removed.
 */
export async function pushSnapshot(
	deps: GitDeps,
	context: AuditContext,
	snapshotId: string,
): Promise<CommitResult & { files: number }> {
	const snapshot = await getSnapshot(deps.db, snapshotId);
	const environment = await getEnvironmentRow(deps.db, snapshot.environmentId);
	const { repo, prefix } = await mirrorRepo(deps, environment.id);
	const raws = await snapshotWorkflows(deps.db, snapshot.id);
	const files = new Map<string, string>();
	const manifest = {
		format: 1,
		environment: { id: environment.id, name: environment.name, class: environment.class },
		snapshot: {
			id: snapshot.id,
			label: snapshot.label,
			reason: snapshot.reason,
			createdAt: snapshot.createdAt,
			createdBy: snapshot.createdBy,
			selective: snapshot.selective,
		},
		workflows: snapshot.workflows.map((item) => {
			const file = workflowFileName({ id: item.workflowId, name: item.name });
			files.set(file, fileContent(raws.get(item.workflowId)));
			const { workflowId: id, name, active, contentHash, canonicalId } = item;
			return { id, name, active, contentHash, ...(canonicalId && { canonicalId }), file };
		}),
	};
	files.set(MANIFEST, fileContent(manifest));
	const message =
		`Snapshot of ${environment.name}${snapshot.label ? `: ${snapshot.label}` : ''}\n\n` +
		`${snapshot.workflows.length} workflows, taken ${snapshot.createdAt} by ${snapshot.createdBy ?? 'the system'}.` +
		(snapshot.reason ? `\n${snapshot.reason}` : '') +
		`\nWorkflowOps snapshot ${snapshot.id}`;
	const result = await explainGitHub(() => repo.commitFiles(prefix, files, message));
	await deps.db.transaction().execute(async (trx) => {
		await trx
			.insertInto('snapshot_pushes')
			.values({
				snapshot_id: snapshot.id,
				commit_sha: result.commitSha,
				url: result.url,
				pushed_by: context.actor.name,
				pushed_at: new Date().toISOString(),
			})
			.execute();
		await appendAudit(trx, context, {
			action: 'snapshot.push',
			resourceType: 'snapshot',
			resourceId: snapshot.id,
			environmentId: environment.id,
			metadata: { commit: result.commitSha, changed: result.changed, deleted: result.deleted },
		});
	});
	return { ...result, files: files.size };
}

/** The workflows a pushed snapshot holds at `ref` of the environment's mirror, for restore. */
export async function commitSource(deps: GitDeps, environmentId: string, ref: string): Promise<RestoreSource> {
	const { repo, prefix } = await mirrorRepo(deps, environmentId);
	const files = await explainGitHub(() => repo.readFiles(ref, prefix));
	const manifestText = files.get(MANIFEST);
	if (!manifestText)
		throw new DomainError('unprocessable', `${ref} has no WorkflowOps snapshot: ${prefix}${MANIFEST} is missing`);
	const manifest = manifestSchema.safeParse(parseJson(manifestText));
	if (!manifest.success)
		throw new DomainError('unprocessable', `${prefix}${MANIFEST} at ${ref} is not a WorkflowOps manifest`);
	const idOf = await currentIds(
		deps.db,
		environmentId,
		new Map(manifest.data.workflows.flatMap((entry) => (entry.canonicalId ? [[entry.id, entry.canonicalId]] : []))),
	);
	const workflows = new Map<string, N8nWorkflow>();
	for (const entry of manifest.data.workflows) {
		const workflow = parseJson(files.get(entry.file) ?? '') as N8nWorkflow | undefined;
		if (!workflow?.nodes)
			throw new DomainError('unprocessable', `${prefix}${entry.file} at ${ref} is missing or not a workflow`);
		workflows.set(idOf(entry.id), workflow);
	}
	return {
		environmentId,
		subject: `git:${environmentId}`,
		description: `commit ${ref.slice(0, 12)}`,
		workflows,
		complete: !manifest.data.snapshot.selective,
	};
}
