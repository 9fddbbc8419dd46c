import type { N8nNode, WorkflowInput } from '../../n8n/workflow-body';
import { canonicalJson, type NormalizedNode, normalizeWorkflow, type NormalizeOptions } from './normalize';
import { classifyNodeChange, maxRisk, type ChangeCategory, type Risk, RISK_OF } from './risk';

export type ChangeKind =
	| 'node-added'
	| 'node-removed'
	| 'node-renamed'
	| 'node-changed'
	| 'connection-added'
	| 'connection-removed'
	| 'setting-changed'
	| 'workflow-renamed';

export interface Change {
	kind: ChangeKind;
	category: ChangeCategory;
	risk: Risk;
	/** The node's name (after the change, for a rename its new name). */
	node?: string;
	/** Dotted path inside the node (`parameters.url`), the setting's key, or the edge. */
	path?: string;
	before?: unknown;
	after?: unknown;
}

export interface WorkflowDiff {
	/** null when nothing that matters changed. */
	risk: Risk | null;
	/** Why the risk is what it is: one line per category that reached it. */
	reasons: string[];
	changes: Change[];
	nodes: { added: string[]; removed: string[]; renamed: Array<{ from: string; to: string }>; changed: string[] };
}

/**
 * What changed from `before` to `after`, on normalised content: nodes matched by name, then by id
 * (a rename), parameter changes with paths, connections as edges, settings per key; each change
 * with its category and risk.
 */
export function diffWorkflows(
	before: WorkflowInput,
	after: WorkflowInput,
	options: NormalizeOptions = {},
): WorkflowDiff {
	const [from, to] = [normalizeWorkflow(before, options), normalizeWorkflow(after, options)];
	const changes: Change[] = [];
	const push = (change: Omit<Change, 'risk'>) => changes.push({ ...change, risk: RISK_OF[change.category] });

	if (from.name !== to.name) push({ kind: 'workflow-renamed', category: 'rename', before: from.name, after: to.name });

	const pairs = matchNodes(before.nodes ?? [], after.nodes ?? [], from.nodes, to.nodes);
	const renamedTo = new Map<string, string>();
	for (const { old, current } of pairs.matched) {
		if (old.name !== current.name) {
			renamedTo.set(old.name, current.name);
			push({ kind: 'node-renamed', category: 'rename', node: current.name, before: old.name, after: current.name });
		}
		for (const change of nodeFieldChanges(old, current)) push({ kind: 'node-changed', node: current.name, ...change });
	}
	for (const node of pairs.removed)
		push({
			kind: 'node-removed',
			category: classifyNodeChange(node.type as string, 'added-or-removed'),
			node: node.name,
		});
	for (const node of pairs.added)
		push({
			kind: 'node-added',
			category: classifyNodeChange(node.type as string, 'added-or-removed'),
			node: node.name,
		});

	const oldEdges = new Set(edges(from.connections, (name) => renamedTo.get(name) ?? name));
	const newEdges = new Set(edges(to.connections, (name) => name));
	for (const edge of oldEdges)
		if (!newEdges.has(edge)) push({ kind: 'connection-removed', category: 'routing', path: edge });
	for (const edge of newEdges)
		if (!oldEdges.has(edge)) push({ kind: 'connection-added', category: 'routing', path: edge });

	for (const key of unionKeys(from.settings, to.settings)) {
		if (!sameValue(from.settings[key], to.settings[key])) {
			const category = key === 'errorWorkflow' ? 'error-handling' : 'settings';
			push({ kind: 'setting-changed', category, path: key, before: from.settings[key], after: to.settings[key] });
		}
	}

	return {
		risk: maxRisk(changes.map((change) => change.risk)),
		reasons: reasonsFor(changes),
		changes,
		nodes: {
			added: pairs.added.map((node) => node.name),
			removed: pairs.removed.map((node) => node.name),
			renamed: [...renamedTo].map(([fromName, toName]) => ({ from: fromName, to: toName })),
			changed: [...new Set(changes.filter((change) => change.kind === 'node-changed').map((change) => change.node!))],
		},
	};
}

/**
 * The changes in words, at most `limit` of them, for a message a person reads (e.g. what a workflow
 * read back as, compared with what was written): `node "Call ERP": parameters.url is "…", not "…"`.
 */
export function describeChanges(diff: WorkflowDiff, limit = 5): string {
	const words = diff.changes.map((change) => {
		const was = `${shortValue(change.after)}, not ${shortValue(change.before)}`;
		switch (change.kind) {
			case 'workflow-renamed':
				return `the name is ${was}`;
			case 'node-renamed':
				return `node "${change.before}" is named "${change.after}"`;
			case 'node-added':
				return `node "${change.node}" is there`;
			case 'node-removed':
				return `node "${change.node}" is missing`;
			case 'node-changed':
				return `node "${change.node}": ${change.path} is ${was}`;
			case 'connection-added':
				return `connection ${change.path} is there`;
			case 'connection-removed':
				return `connection ${change.path} is missing`;
			case 'setting-changed':
				return `setting ${change.path} is ${was}`;
		}
	});
	const more = words.length > limit ? ` and ${words.length - limit} more` : '';
	return words.slice(0, limit).join('; ') + more;
}

function shortValue(value: unknown): string {
	if (value === undefined) return 'absent';
	const text = JSON.stringify(value);
	return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Pairs nodes by name (duplicates in order); the rest by node id, which survives a rename. */
function matchNodes(rawBefore: N8nNode[], rawAfter: N8nNode[], before: NormalizedNode[], after: NormalizedNode[]) {
	const unmatchedAfter = new Set(after);
	const byName = new Map<string, NormalizedNode[]>();
	for (const node of after) byName.set(node.name, [...(byName.get(node.name) ?? []), node]);
	const matched: Array<{ old: NormalizedNode; current: NormalizedNode }> = [];
	const unmatchedBefore: NormalizedNode[] = [];
	for (const node of before) {
		const current = byName.get(node.name)?.shift();
		if (current) {
			matched.push({ old: node, current });
			unmatchedAfter.delete(current);
		} else unmatchedBefore.push(node);
	}
	const idOf = (raw: N8nNode[]) => new Map(raw.filter((node) => node.id).map((node) => [node.name, node.id!]));
	const [beforeIds, afterIds] = [idOf(rawBefore), idOf(rawAfter)];
	const afterById = new Map(
		[...unmatchedAfter].filter((node) => afterIds.has(node.name)).map((node) => [afterIds.get(node.name)!, node]),
	);
	const removed: NormalizedNode[] = [];
	for (const node of unmatchedBefore) {
		const current = beforeIds.has(node.name) ? afterById.get(beforeIds.get(node.name)!) : undefined;
		if (current && current.type === node.type && unmatchedAfter.has(current)) {
			matched.push({ old: node, current });
			unmatchedAfter.delete(current);
		} else removed.push(node);
	}
	return { matched, removed, added: [...unmatchedAfter] };
}

function nodeFieldChanges(old: NormalizedNode, current: NormalizedNode): Array<Omit<Change, 'risk' | 'kind' | 'node'>> {
	const changes: Array<Omit<Change, 'risk' | 'kind' | 'node'>> = [];
	const type = current.type as string;
	for (const field of unionKeys(old, current)) {
		if (field === 'name' || sameValue(old[field as keyof NormalizedNode], current[field as keyof NormalizedNode]))
			continue;
		if (field === 'parameters') {
			for (const leaf of leafChanges(old.parameters, current.parameters, 'parameters')) {
				changes.push({ ...leaf, category: classifyNodeChange(type, 'parameter', leaf.path, leaf.before, leaf.after) });
			}
		} else {
			const before = old[field as keyof NormalizedNode];
			const after = current[field as keyof NormalizedNode];
			changes.push({ path: field, before, after, category: classifyNodeChange(type, field) });
		}
	}
	return changes;
}

/** Every leaf that differs, with its dotted path (array items as [i]). */
function leafChanges(
	before: unknown,
	after: unknown,
	path: string,
): Array<{ path: string; before: unknown; after: unknown }> {
	if (isPlainObject(before) && isPlainObject(after)) {
		return unionKeys(before, after).flatMap((key) => leafChanges(before[key], after[key], `${path}.${key}`));
	}
	if (Array.isArray(before) && Array.isArray(after)) {
		return Array.from({ length: Math.max(before.length, after.length) }, (_, i) =>
			leafChanges(before[i], after[i], `${path}[${i}]`),
		).flat();
	}
	return sameValue(before, after) ? [] : [{ path, before, after }];
}

/** Connections as "from[type][output] → to[type][input]" strings. */
function edges(connections: Record<string, unknown>, rename: (name: string) => string): string[] {
	const result: string[] = [];
	for (const [source, byType] of Object.entries(connections ?? {})) {
		for (const [type, outputs] of Object.entries((byType ?? {}) as Record<string, unknown>)) {
			if (!Array.isArray(outputs)) continue;
			outputs.forEach((targets, output) => {
				for (const target of Array.isArray(targets) ? targets : []) {
					const { node, type: inputType, index } = (target ?? {}) as { node?: string; type?: string; index?: number };
					result.push(
						`${rename(source)}[${type}][${output}] → ${rename(String(node))}[${inputType ?? type}][${index ?? 0}]`,
					);
				}
			});
		}
	}
	return result;
}

function reasonsFor(changes: Change[]): string[] {
	const byCategory = new Map<ChangeCategory, Change[]>();
	for (const change of changes) byCategory.set(change.category, [...(byCategory.get(change.category) ?? []), change]);
	const order: Risk[] = ['HIGH', 'MEDIUM', 'LOW'];
	return [...byCategory]
		.sort(([a], [b]) => order.indexOf(RISK_OF[a]) - order.indexOf(RISK_OF[b]))
		.map(([category, list]) => {
			const places = [...new Set(list.map((change) => change.node ?? change.path ?? 'workflow'))];
			return `${RISK_OF[category]} ${category}: ${places.slice(0, 5).join(', ')}${places.length > 5 ? ` and ${places.length - 5} more` : ''}`;
		});
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
const unionKeys = (a: object, b: object) => [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
const sameValue = (a: unknown, b: unknown) => a === b || canonicalJson(a ?? null) === canonicalJson(b ?? null);
