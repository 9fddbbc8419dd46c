import { z } from 'zod';
import { checkPolicy, policyConfirmShape, underPolicy } from '../../domain/approvals/policy-gate';
import { DomainError } from '../../domain/errors';
import { activationRequestSchema } from '../../domain/workflows/activation';
import { exportQuerySchema, exportWorkflows } from '../../domain/workflows/export';
import { readUpload, startImport } from '../../domain/workflows/import';
import { deleteRequestSchema, setArchived } from '../../domain/workflows/removal';
import { listTags, saveTag, startTagging, tagNameSchema, taggingRequestSchema } from '../../domain/workflows/tagging';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';
import { sendGated } from './gated-answer';

/** The import route reads its body raw (a ZIP or JSON, up to this size), not as the API's JSON. */
export const IMPORT_PATH = '/environments/:id/import';
export const IMPORT_LIMIT = '50mb';

const workflowParams = z.object({ id: z.string().min(1), workflowId: z.string().min(1) });
const reasonField = z.string().trim().max(2000).default('').describe('why (shown to the approver where one is needed)');

/** `prod-2026-11-30.zip` */
export const exportFileName = (environmentName: string) =>
	`${environmentName.replace(/[^A-Za-z0-9_-]+/g, '-')}-${new Date().toISOString().slice(0, 10)}.zip`;

/** Operations on an environment's workflows in n8n. */
export const operationRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'post',
		path: '/environments/:id/activation',
		summary:
			'Activate or deactivate workflows (publish or unpublish on n8n 2.x): a job whose result says which changed, which already were, which failed and why; or, where the environment’s class policy asks for approval, 202 with the approvalRequest',
		permission: 'workflows.operate',
		params: idParams,
		body: activationRequestSchema.extend({ ...policyConfirmShape, reason: reasonField }),
		status: 202,
		handler: async ({ params, body: { confirm, reason, ...request }, audit, res }) =>
			sendGated(
				res,
				await underPolicy(
					deps,
					audit,
					{ kind: 'activation', environmentId: params.id, request },
					{ confirmed: confirm, reason },
				),
				202,
			),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/tagging',
		summary:
			'Add and remove tags on workflows: a job whose result says which changed, which already were, which failed and why',
		permission: 'workflows.operate',
		params: idParams,
		body: taggingRequestSchema,
		status: 202,
		handler: async ({ params, body, audit }) => startTagging(deps, audit, params.id, body),
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/tags',
		summary: 'The environment’s tags, as n8n lists them now',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => ({ data: await listTags(deps, params.id) }),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/tags',
		summary: 'Create a tag in n8n',
		permission: 'workflows.operate',
		params: idParams,
		body: tagNameSchema,
		status: 201,
		handler: async ({ params, body, audit }) => saveTag(deps, audit, params.id, body.name),
	}),
	apiRoute({
		method: 'patch',
		path: '/environments/:id/tags/:tagId',
		summary: 'Rename a tag in n8n (its workflows keep it)',
		permission: 'workflows.operate',
		params: z.object({ id: z.string().min(1), tagId: z.string().min(1) }),
		body: tagNameSchema,
		handler: async ({ params, body, audit }) => saveTag(deps, audit, params.id, body.name, params.tagId),
	}),
	...(['archive', 'unarchive'] as const).map((verb) =>
		apiRoute({
			method: 'post',
			path: `/environments/:id/workflows/:workflowId/${verb}`,
			summary:
				verb === 'archive'
					? 'Archive a workflow (n8n 2.x; unpublished first): it leaves n8n’s lists and can be unarchived'
					: 'Bring an archived workflow back (inactive)',
			permission: 'workflows.operate',
			params: workflowParams,
			body: z
				.object({ ...policyConfirmShape, reason: reasonField })
				.strict()
				.optional(),
			handler: async ({ params, body = { confirm: false, reason: '' }, audit, res }) =>
				verb === 'archive'
					? sendGated(
							res,
							await underPolicy(
								deps,
								audit,
								{ kind: 'archive', environmentId: params.id, workflowId: params.workflowId },
								{ confirmed: body.confirm, reason: body.reason },
							),
							200,
						)
					: setArchived(deps, audit, params.id, params.workflowId, false),
		}),
	),
	apiRoute({
		method: 'delete',
		path: '/environments/:id/workflows/:workflowId',
		summary:
			'Delete a workflow from n8n for good, its name typed in confirmName; a snapshot of it is taken first. Where the environment’s class policy asks for approval: 202 with the approvalRequest',
		permission: 'workflows.operate',
		params: workflowParams,
		body: deleteRequestSchema.extend({ ...policyConfirmShape, reason: reasonField }),
		handler: async ({ params, body, audit, res }) =>
			sendGated(
				res,
				await underPolicy(
					deps,
					audit,
					{
						kind: 'delete',
						environmentId: params.id,
						workflowId: params.workflowId,
						confirmName: body.confirmName,
					},
					{ confirmed: body.confirm, reason: body.reason },
				),
				200,
			),
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/export',
		summary:
			'The synced workflows (or some) as a ZIP, streamed: workflows/ as n8n exported them, optionally normalised/, and a manifest',
		permission: 'workflows.read',
		params: idParams,
		query: exportQuerySchema,
		handler: async ({ params, query, res }) => {
			await exportWorkflows(deps.db, params.id, query, (environment) =>
				res.type('application/zip').attachment(exportFileName(environment.name)),
			);
			return undefined;
		},
	}),
	apiRoute({
		method: 'post',
		path: IMPORT_PATH,
		summary: `Upload workflows: the body is a ZIP (application/zip) of workflow JSON files, or one JSON file (a workflow or a list), up to ${IMPORT_LIMIT}. Each is checked before anything is written; a job creates the valid ones and reports on every file`,
		permission: 'workflows.operate',
		params: idParams,
		query: z.object({
			filename: z.string().trim().min(1).max(200).optional().describe('named so in the results'),
			confirm: z
				.enum(['true', 'false'])
				.default('false')
				.describe('true: go ahead where the environment’s class policy warns about uploads'),
		}),
		status: 202,
		handler: async ({ params, query, req, audit }) => {
			await checkPolicy(deps.db, audit, params.id, 'upload', query.confirm === 'true');
			const bytes = req.body as unknown;
			if (!Buffer.isBuffer(bytes) || !bytes.length)
				throw new DomainError(
					'invalid_request',
					'Send the workflows as the request body: a ZIP (application/zip) or a JSON file (application/json)',
				);
			const entries = readUpload([{ name: query.filename ?? 'upload', bytes }]);
			return startImport(deps, audit, params.id, entries);
		},
	}),
];
