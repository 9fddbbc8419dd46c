import type { N8nWorkflow } from '../../n8n/workflow-body';
import type { WorkflowDiff } from '../../domain/workflows/diff';
import { isTriggerNode } from '../../domain/workflows/risk';

const WIDTH = 150;
const HEIGHT = 56;
const MARGIN = 24;

export interface PictureNode {
	x: number;
	y: number;
	name: string;
	/** The type's last part: `httpRequest` for `n8n-nodes-base.httpRequest`. */
	kind: string;
	type: string;
	disabled: boolean;
	trigger: boolean;
	changed: boolean;
}

export interface Picture {
	width: number;
	height: number;
	nodeWidth: number;
	nodeHeight: number;
	nodes: PictureNode[];
	/** SVG paths, one per connection. */
	edges: Array<{ d: string; changed: boolean }>;
}

/**
 * A workflow as n8n's canvas places it, for an SVG: each node a box at the position n8n stores (sticky
 * notes aside), each connection a curve from its output to its input; the nodes in `changed` marked.
 */
export function workflowPicture(workflow: N8nWorkflow, changed: ReadonlySet<string> = new Set()): Picture {
	const placed = (workflow.nodes ?? []).filter((node) => node.type !== 'n8n-nodes-base.stickyNote');
	const xs = placed.map((node) => node.position?.[0] ?? 0);
	const ys = placed.map((node) => node.position?.[1] ?? 0);
	const left = xs.length ? Math.min(...xs) : 0;
	const top = ys.length ? Math.min(...ys) : 0;
	const nodes = placed.map((node, i): PictureNode => ({
		x: xs[i] - left + MARGIN,
		y: ys[i] - top + MARGIN,
		name: node.name,
		kind: node.type.split('.').pop() ?? node.type,
		type: node.type,
		disabled: Boolean(node.disabled),
		trigger: isTriggerNode(node.type),
		changed: changed.has(node.name),
	}));
	// Connections name their nodes by name; some exports by id.
	const byName = new Map<string | undefined, PictureNode>(
		placed.flatMap((node, i) => [[node.id, nodes[i]] as const, [node.name, nodes[i]] as const]),
	);
	const edges: Picture['edges'] = [];
	for (const [source, outputs] of Object.entries(workflow.connections ?? {}))
		for (const targets of Object.values(outputs ?? {}))
			for (const slot of Array.isArray(targets) ? targets : [])
				for (const target of Array.isArray(slot) ? slot : []) {
					const [from, to] = [byName.get(source), byName.get(target?.node)];
					if (from && to) edges.push({ d: curve(from, to), changed: from.changed || to.changed });
				}
	return {
		width: Math.max(...nodes.map((node) => node.x + WIDTH), WIDTH) + MARGIN,
		height: Math.max(...nodes.map((node) => node.y + HEIGHT), HEIGHT) + MARGIN,
		nodeWidth: WIDTH,
		nodeHeight: HEIGHT,
		nodes,
		edges,
	};
}

function curve(from: PictureNode, to: PictureNode): string {
	const [x1, y1, x2, y2] = [from.x + WIDTH, from.y + HEIGHT / 2, to.x, to.y + HEIGHT / 2];
	const bend = Math.max(40, Math.abs(x2 - x1) / 2);
	return `M${x1} ${y1} C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}`;
}

/** The nodes of the version a diff leads to that it added, changed or renamed. */
export const changedNodes = (diff: WorkflowDiff | null): Set<string> =>
	new Set(diff ? [...diff.nodes.added, ...diff.nodes.changed, ...diff.nodes.renamed.map((renamed) => renamed.to)] : []);
