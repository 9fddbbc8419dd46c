import { decisionSchema, rejectionSchema } from '../../domain/approvals/decisions';
import {
	cancelOperationRequest,
	decideOperation,
	getOperationRequest,
	listOperationRequests,
	operationRequestListSchema,
} from '../../domain/approvals/operation-requests';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

/** Operations on n8n that a class policy sent for approval. */
export const approvalRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/operation-requests',
		summary: 'Operations waiting for approval (status PENDING_APPROVAL) and decided ones, newest first',
		permission: 'workflows.read',
		query: operationRequestListSchema,
		handler: async ({ query }) => listOperationRequests(deps.db, query),
	}),
	apiRoute({
		method: 'get',
		path: '/operation-requests/:id',
		summary: 'One request: the operation, who asked and why, the decisions, and once approved its job or result',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => getOperationRequest(deps.db, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/operation-requests/:id/approve',
		summary:
			'Approve (admin, never the requester): the operation runs at once, as the approver; the request keeps its job or result, or why it could not run (FAILED)',
		permission: 'operations.approve',
		params: idParams,
		body: decisionSchema,
		handler: async ({ params, body, audit }) => decideOperation(deps, audit, params.id, 'approve', body),
	}),
	apiRoute({
		method: 'post',
		path: '/operation-requests/:id/reject',
		summary: 'Reject (admin, never the requester), saying why',
		permission: 'operations.approve',
		params: idParams,
		body: rejectionSchema,
		handler: async ({ params, body, audit }) => decideOperation(deps, audit, params.id, 'reject', body),
	}),
	apiRoute({
		method: 'post',
		path: '/operation-requests/:id/cancel',
		summary: 'Cancel a request still waiting (admin)',
		permission: 'workflows.operate',
		params: idParams,
		body: decisionSchema.pick({ comment: true }),
		handler: async ({ params, body, audit }) => cancelOperationRequest(deps.db, audit, params.id, body.comment),
	}),
];
