import { type Listed, listedOf } from '../../n8n/list-page';
import type { N8nWorkflow } from '../../n8n/workflow-body';

interface ActiveVersion {
	nodes: N8nWorkflow['nodes'];
	connections: N8nWorkflow['connections'];
}

/**
 * What runs: on n8n 2.x a published workflow runs its published version (`activeVersion`), whatever
 * draft was saved since; 1.x and unpublished workflows have only the one version.
 */
export function publishedView(workflow: N8nWorkflow): N8nWorkflow {
	const published = workflow.activeVersion as ActiveVersion | null | undefined;
	if (!published) return workflow;
	const { activeVersion: _published, ...rest } = workflow;
	return { ...rest, nodes: published.nodes, connections: published.connections };
}

/** `publishedView` of a listed workflow, keeping the text n8n sent when the view is the workflow itself. */
export function publishedListed(listed: Listed<N8nWorkflow>): Listed<N8nWorkflow> {
	const view = publishedView(listed.item);
	return view === listed.item ? listed : listedOf(view);
}

/** On 2.x: a draft saved after the last publish, which does not run until published. */
export const hasUnpublishedDraft = (workflow: N8nWorkflow): boolean =>
	Boolean(workflow.activeVersion) && workflow.versionId !== workflow.activeVersionId;
