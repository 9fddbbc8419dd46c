import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/database';
import { jsonArrayHas, packedRows } from '../../db/dialect';
import type { CanonicalStatus, EnvironmentClass } from '../../db/schema';
import { ENVIRONMENT_CLASSES } from '../environments/environments';
import { notFound } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';
import {
	contentAtClass,
	countFindings,
	currentRules,
	type FindingCounts,
	findingsOfContents,
} from '../policies/content-findings';
import { listPipelines, type Pipeline } from '../promotions/pipelines';
import { matchingRows, SEARCH_SYNTAX, searchTerms } from './search-match';
import { catchUpSearchIndex } from './search-index';

const STATUSES = ['UNMAPPED', 'LINKED', 'MISSING', 'IGNORED'] as const satisfies readonly CanonicalStatus[];

export const matrixQuerySchema = z.object({
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	cursor: z.string().min(1).optional(),
	q: z.string().trim().min(1).max(500).optional().describe(SEARCH_SYNTAX),
	environment: z.string().min(1).optional().describe('workflows present in this environment'),
	tag: z.string().min(1).optional(),
	nodeType: z.string().min(1).optional().describe('e.g. n8n-nodes-base.httpRequest'),
	credential: z.string().min(1).optional().describe('workflows using a credential of this name'),
	status: z.enum(STATUSES).optional(),
	differs: z.enum(['true']).optional().describe('only workflows whose content differs between environments'),
	pipeline: z
		.string()
		.min(1)
		.optional()
		.describe('whose stages order the columns and say which environment each is compared with (default: the first)'),
});
export type MatrixQuery = z.infer<typeof matrixQuerySchema>;

/** How a cell compares with the same workflow in the environment before it in the pipeline. */
export type Comparison = 'same' | 'differs' | 'missing' | 'extra';

export interface MatrixColumn {
	id: string;
	name: string;
	class: EnvironmentClass;
	/** The environment before it in the pipeline, which its cells are compared with. */
	previousId: string | null;
}

export interface MatrixCell {
	environmentId: string;
	present: boolean;
	workflowId?: string;
	name?: string;
	contentHash?: string;
	active?: boolean;
	updatedAt?: string | null;
	/** Null where the column has no environment before it, or neither has the workflow. */
	compared: Comparison | null;
	/** What the content rules find in it at the environment's class. */
	findings?: FindingCounts;
}

export interface MatrixRow {
	canonicalId: string;
	name: string;
	status: CanonicalStatus;
	/** Its content is not the same in every environment that has it. */
	differs: boolean;
	cells: MatrixCell[];
}

export interface Matrix {
	pipeline: { id: string; name: string } | null;
	environments: MatrixColumn[];
	data: MatrixRow[];
	nextCursor: string | null;
}

/**
 * An inventory row as the matrix query gives it: environment, n8n id, name, content hash, active, updated,
 * and the counts of findings (errors, warnings, infos) where its content was checked under the rules as set now.
 */
type InventoryCell = [string, string, string, string, number, string | null, ...FoundCounts];
type FoundCounts = [number, number, number] | [null, null, null];

type PresentCell = Omit<MatrixCell, 'compared'> & { contentHash: string };

/**
 * One row per canonical workflow, one cell per environment: is it there, with which content, running or
 * not, and how that compares with the environment before it in a pipeline.
 */
export async function workflowMatrix(db: Db, query: MatrixQuery): Promise<Matrix> {
	const pipelines = await listPipelines(db);
	const pipeline = query.pipeline ? pipelines.find((p) => p.id === query.pipeline) : pipelines[0];
	if (query.pipeline && !pipeline) throw notFound('Pipeline');
	const columns = matrixColumns(
		await db.selectFrom('environments').select(['id', 'name', 'class']).execute(),
		pipeline,
	);

	const offset = query.cursor ? decodeCursor(query.cursor) : 0;
	if (query.q || query.credential) await catchUpSearchIndex(db);
	const { settingsHash } = await currentRules(db);
	// One row per canonical workflow of the page, its inventory rows as one JSON array (a query of
	// 1,000 rows rather than 5,000: the driver's cost is per row).
	const canonicals = await db
		.with('page', () =>
			filteredCanonicals(db, query)
				.orderBy('sort_name')
				.orderBy('canonical_workflows.id')
				.limit(query.limit + 1)
				.offset(offset),
		)
		.selectFrom('page')
		.selectAll()
		.select((eb) =>
			eb
				.selectFrom('workflow_inventory')
				.innerJoin('environments', 'environments.id', 'workflow_inventory.environment_id')
				.leftJoin('content_findings', (join) =>
					join
						.on('content_findings.settings_hash', '=', settingsHash)
						.onRef('content_findings.content_hash', '=', 'workflow_inventory.content_hash')
						.onRef('content_findings.class', '=', 'environments.class'),
				)
				.select(
					packedRows(
						db,
						[
							'workflow_inventory.environment_id',
							'workflow_inventory.n8n_id',
							'workflow_inventory.name',
							'workflow_inventory.content_hash',
							'workflow_inventory.active',
							'workflow_inventory.n8n_updated_at',
							'content_findings.errors',
							'content_findings.warnings',
							'content_findings.infos',
						].map((column) => sql.ref(column)),
					).as('cells'),
				)
				.whereRef('workflow_inventory.canonical_id', '=', 'page.id')
				.as('cells'),
		)
		.orderBy('sort_name')
		.orderBy('id')
		.execute();
	const classOf = new Map(columns.map((column) => [column.id, column.class]));
	const unchecked: PresentCell[] = [];
	const page = canonicals.slice(0, query.limit).map((canonical) => {
		const present = new Map<string, PresentCell>();
		for (const [environmentId, workflowId, name, contentHash, active, updatedAt, ...counts] of JSON.parse(
			canonical.cells!,
		) as InventoryCell[]) {
			const cell: PresentCell = {
				environmentId,
				present: true,
				workflowId,
				name,
				contentHash,
				active: active === 1,
				updatedAt,
			};
			if (counts[0] !== null) cell.findings = { error: counts[0], warning: counts[1]!, info: counts[2]! };
			else unchecked.push(cell);
			present.set(environmentId, cell);
		}
		return { ...canonical, present };
	});
	// Contents not checked under the rules as set now (the rules changed since, or a sync was cut short).
	const checked = (cell: PresentCell) => ({ contentHash: cell.contentHash, class: classOf.get(cell.environmentId)! });
	const found = await findingsOfContents(db, unchecked.map(checked));
	for (const cell of unchecked) {
		const { contentHash, class: environmentClass } = checked(cell);
		cell.findings = countFindings(found.get(contentAtClass(contentHash, environmentClass)) ?? []);
	}

	return {
		pipeline: pipeline ? { id: pipeline.id, name: pipeline.name } : null,
		environments: columns,
		data: page.map(({ present, ...canonical }) => {
			const cells = columns.map((column): MatrixCell => {
				const here = present.get(column.id);
				const before = column.previousId ? present.get(column.previousId) : undefined;
				const compared = column.previousId ? comparison(here?.contentHash, before?.contentHash) : null;
				return here ? { ...here, compared } : { environmentId: column.id, present: false, compared };
			});
			const hashes = new Set([...present.values()].map((here) => here.contentHash));
			return {
				canonicalId: canonical.id,
				name: cells.find((cell) => cell.present)?.name ?? canonical.name,
				status: canonical.status,
				differs: hashes.size > 1,
				cells,
			};
		}),
		nextCursor: canonicals.length > query.limit ? encodeCursor(offset + query.limit) : null,
	};
}

function comparison(hash: string | undefined, previousHash: string | undefined): Comparison | null {
	if (hash && previousHash) return hash === previousHash ? 'same' : 'differs';
	if (previousHash) return 'missing';
	return hash ? 'extra' : null;
}

/** The pipeline's environments in the order promotions go through them, then the others by class and name. */
export function matrixColumns(
	environments: Array<{ id: string; name: string; class: EnvironmentClass }>,
	pipeline: Pipeline | undefined,
): MatrixColumn[] {
	const previous = new Map<string, string>();
	const order: string[] = [];
	for (const stage of pipeline?.stages ?? []) {
		if (!order.includes(stage.sourceEnvironmentId)) order.push(stage.sourceEnvironmentId);
		if (!order.includes(stage.targetEnvironmentId)) order.push(stage.targetEnvironmentId);
		if (!previous.has(stage.targetEnvironmentId)) previous.set(stage.targetEnvironmentId, stage.sourceEnvironmentId);
	}
	const rank = (environment: { id: string; name: string; class: EnvironmentClass }) =>
		order.includes(environment.id) ? order.indexOf(environment.id) : order.length;
	return [...environments]
		.sort(
			(a, b) =>
				rank(a) - rank(b) ||
				ENVIRONMENT_CLASSES.indexOf(a.class) - ENVIRONMENT_CLASSES.indexOf(b.class) ||
				a.name.localeCompare(b.name),
		)
		.map((environment) => ({ ...environment, previousId: previous.get(environment.id) ?? null }));
}

/** The canonical workflows the filters keep; a gone one (MISSING) only when asked for. */
function filteredCanonicals(db: Db, query: MatrixQuery) {
	const inventory = () => db.selectFrom('workflow_inventory').select('workflow_inventory.canonical_id');
	let select = db
		.selectFrom('canonical_workflows')
		.select([
			'canonical_workflows.id',
			'canonical_workflows.name',
			'canonical_workflows.status',
			sql<string>`coalesce((select min(name) from workflow_inventory where canonical_id = canonical_workflows.id), canonical_workflows.name)`.as(
				'sort_name',
			),
		]);
	select = query.status
		? select.where('canonical_workflows.status', '=', query.status)
		: select.where('canonical_workflows.status', '!=', 'MISSING');
	if (query.environment)
		select = select.where('canonical_workflows.id', 'in', inventory().where('environment_id', '=', query.environment));
	if (query.tag)
		select = select.where('canonical_workflows.id', 'in', inventory().where(jsonArrayHas(db, 'tags', query.tag)));
	if (query.nodeType)
		select = select.where(
			'canonical_workflows.id',
			'in',
			inventory().where(jsonArrayHas(db, 'node_types', query.nodeType)),
		);
	const text = [query.q, query.credential && `credential:"${query.credential.replaceAll('"', '')}"`].filter(Boolean);
	if (text.length)
		select = select.where(
			'canonical_workflows.id',
			'in',
			matchingRows(db, searchTerms(text.join(' ')))
				.innerJoin('workflow_inventory', (join) =>
					join
						.onRef('workflow_inventory.environment_id', '=', 'workflow_search_rows.environment_id')
						.onRef('workflow_inventory.n8n_id', '=', 'workflow_search_rows.n8n_id'),
				)
				.select('workflow_inventory.canonical_id'),
		);
	if (query.differs)
		select = select.where(
			'canonical_workflows.id',
			'in',
			inventory()
				.groupBy('canonical_id')
				.having(sql<boolean>`count(distinct content_hash) > 1`),
		);
	return select;
}
