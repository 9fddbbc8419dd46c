import { diffLines } from 'diff';
import type { Change, WorkflowDiff } from '../../domain/workflows/diff';
import { maxRisk, type ChangeCategory, type Risk } from '../../domain/workflows/risk';

/** Strings longer than this (or with line breaks) are shown as a line diff rather than side by side. */
const LONG_VALUE = 80;

export type ValueChange =
	| { layout: 'side-by-side'; before: string; after: string }
	| { layout: 'lines'; lines: Array<{ op: 'same' | 'added' | 'removed'; text: string }> };

export interface ChangeRow {
	label: string;
	category: ChangeCategory;
	risk: Risk;
	value?: ValueChange;
}

export interface NodeSection {
	name: string;
	state: 'added' | 'removed' | 'changed';
	/** The name before a rename. */
	renamedFrom?: string;
	risk: Risk;
	rows: ChangeRow[];
}

/** A workflow diff arranged for the page: workflow-level rows, one section per node, the edges. */
export interface DiffView {
	risk: Risk | null;
	reasons: string[];
	workflow: ChangeRow[];
	nodes: NodeSection[];
	connections: { added: string[]; removed: string[] };
}

export function diffView(diff: WorkflowDiff): DiffView {
	const view: DiffView = {
		risk: diff.risk,
		reasons: diff.reasons,
		workflow: [],
		nodes: [],
		connections: { added: [], removed: [] },
	};
	const sections = new Map<string, NodeSection>();
	const sectionOf = (change: Change, state: NodeSection['state']) => {
		const name = change.node!;
		let section = sections.get(name);
		if (!section) {
			section = { name, state, risk: change.risk, rows: [] };
			sections.set(name, section);
			view.nodes.push(section);
		}
		section.risk = maxRisk([section.risk, change.risk])!;
		return section;
	};
	for (const change of diff.changes) {
		const row = { category: change.category, risk: change.risk };
		switch (change.kind) {
			case 'workflow-renamed':
				view.workflow.push({ ...row, label: 'name', value: valueChange(change.before, change.after) });
				break;
			case 'setting-changed':
				view.workflow.push({
					...row,
					label: `settings.${change.path}`,
					value: valueChange(change.before, change.after),
				});
				break;
			case 'connection-added':
				view.connections.added.push(change.path!);
				break;
			case 'connection-removed':
				view.connections.removed.push(change.path!);
				break;
			case 'node-added':
				sectionOf(change, 'added').rows.push({ ...row, label: 'node added' });
				break;
			case 'node-removed':
				sectionOf(change, 'removed').rows.push({ ...row, label: 'node removed' });
				break;
			case 'node-renamed':
				sectionOf(change, 'changed').renamedFrom = String(change.before);
				break;
			case 'node-changed':
				sectionOf(change, 'changed').rows.push({
					...row,
					label: change.path!,
					value: valueChange(change.before, change.after),
				});
		}
	}
	return view;
}

/** Each compared, planned or drifted workflow with its diff (if any) arranged for the page. */
export const withDiffViews = <T extends { diff?: WorkflowDiff }>(items: T[]) =>
	items.map((item) => ({ ...item, view: item.diff && diffView(item.diff) }));

/** Code and long expressions become a line diff; anything else is shown before and after. */
export function valueChange(before: unknown, after: unknown): ValueChange {
	const [from, to] = [shown(before), shown(after)];
	const isLong = (text: string) => text.includes('\n') || text.length > LONG_VALUE;
	if ((typeof before === 'string' || typeof after === 'string') && (isLong(from) || isLong(to))) {
		return {
			layout: 'lines',
			lines: diffLines(withFinalNewline(from), withFinalNewline(to)).flatMap((part) =>
				part.value
					.replace(/\n$/, '')
					.split('\n')
					.map((text) => ({ op: part.added ? 'added' : part.removed ? 'removed' : 'same', text }) as const),
			),
		};
	}
	return { layout: 'side-by-side', before: from, after: to };
}

function shown(value: unknown): string {
	if (value === undefined) return '';
	return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** Without it, a last line that changed would be compared as "x" against "x\n" and never match. */
const withFinalNewline = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`);
