import { z } from 'zod';
import { matrixQuerySchema, workflowMatrix } from '../../domain/workflows/matrix';
import {
	confirmProposal,
	confirmProposals,
	confirmRequestSchema,
	linkProposals,
	linkRequestSchema,
	linkWorkflows,
	rejectProposal,
	setIgnored,
	unlinkWorkflow,
} from '../../domain/workflows/onboarding';
import { searchQuerySchema, searchWorkflows } from '../../domain/workflows/search';
import { diffVersions, workflowEverywhere } from '../../domain/workflows/workflow-everywhere';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

const environmentParams = z.object({ id: z.string().min(1), environmentId: z.string().min(1) });

/** Workflows across environments: the matrix, search, and onboarding's links between environments. */
export const workflowRoutes = ({ db }: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/workflows',
		summary:
			'Every canonical workflow with a cell per environment (present, content hash, active, compared with the environment before it in a pipeline)',
		permission: 'workflows.read',
		query: matrixQuerySchema,
		handler: async ({ query }) => workflowMatrix(db, query),
	}),
	apiRoute({
		method: 'get',
		path: '/search',
		summary: 'Search every environment’s synced workflows (full-text index)',
		permission: 'workflows.read',
		query: searchQuerySchema,
		handler: async ({ query }) => searchWorkflows(db, query),
	}),
	apiRoute({
		method: 'get',
		path: '/workflows/:id',
		summary:
			'One canonical workflow in every environment: each version’s hash, state, complexity, last promotion and open drift; its snapshots',
		permission: 'workflows.read',
		params: idParams,
		handler: async ({ params }) => workflowEverywhere(db, params.id),
	}),
	apiRoute({
		method: 'get',
		path: '/workflows/:id/diff',
		summary: 'What differs between two environments’ versions of a canonical workflow',
		permission: 'workflows.read',
		params: idParams,
		query: z.object({
			from: z.string().min(1).describe('environment id'),
			to: z.string().min(1).describe('environment id'),
		}),
		handler: async ({ params, query }) => diffVersions(db, params.id, query.from, query.to),
	}),
	apiRoute({
		method: 'patch',
		path: '/workflows/:id',
		summary: 'Ignore a canonical workflow in onboarding (or stop ignoring it)',
		permission: 'workflows.link',
		params: idParams,
		body: z.object({ ignored: z.boolean() }).strict(),
		handler: async ({ params, body, audit }) => setIgnored(db, audit, params.id, body.ignored),
	}),
	apiRoute({
		method: 'delete',
		path: '/workflows/:id/environments/:environmentId',
		summary: 'Unlink one environment’s workflow from a canonical workflow: it gets an identity of its own',
		permission: 'workflows.link',
		params: environmentParams,
		handler: async ({ params, audit }) => unlinkWorkflow(db, audit, params.id, params.environmentId),
	}),
	apiRoute({
		method: 'get',
		path: '/workflow-links/proposals',
		summary: 'Workflows that look like one workflow in several environments (same name, then normalised name)',
		permission: 'workflows.read',
		handler: async () => ({ data: await linkProposals(db) }),
	}),
	apiRoute({
		method: 'post',
		path: '/workflow-links',
		summary: 'Link workflows of several environments into one canonical workflow',
		permission: 'workflows.link',
		body: linkRequestSchema,
		status: 201,
		handler: async ({ body, audit }) => linkWorkflows(db, audit, body.members),
	}),
	apiRoute({
		method: 'post',
		path: '/workflow-links/proposals/confirm',
		summary: 'Confirm every unambiguous proposal (one candidate per environment)',
		permission: 'workflows.link',
		body: confirmRequestSchema,
		handler: async ({ body, audit }) => ({ linked: await confirmProposals(db, audit, body.match) }),
	}),
	apiRoute({
		method: 'post',
		path: '/workflow-links/proposals/:id/confirm',
		summary: 'Confirm one unambiguous proposal',
		permission: 'workflows.link',
		params: idParams,
		handler: async ({ params, audit }) => confirmProposal(db, audit, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/workflow-links/proposals/:id/reject',
		summary: 'Reject a proposal: it is not made again',
		permission: 'workflows.link',
		params: idParams,
		handler: async ({ params, audit }) => {
			await rejectProposal(db, audit, params.id);
		},
	}),
];
