import { z } from 'zod';
import {
	executionDetail,
	retryExecution,
	retryExecutions,
	retryRequestSchema,
	stopExecution,
} from '../../domain/executions/execution-actions';
import { startExecutionIndexing } from '../../domain/executions/execution-index';
import {
	installFailureReporting,
	reportingRequestSchema,
	reportingStatus,
} from '../../domain/executions/failure-reporting';
import { executionListSchema, listExecutions } from '../../domain/executions/executions';
import {
	redactionSettings,
	redactionSettingsSchema,
	redactor,
	updateRedactionSettings,
} from '../../domain/executions/redaction';
import type { AppDeps } from '../deps';
import { apiRoute, idParams } from '../route';

const executionParams = z.object({ environmentId: z.string().min(1), id: z.string().min(1) });

/** The execution index across environments, what can be done to an execution, and the redaction of errors. */
export const executionRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/executions',
		summary:
			'Every environment’s indexed executions, newest first: status, mode, times, retries, and for failures the failing node and the error (redacted)',
		permission: 'executions.read',
		query: executionListSchema,
		handler: async ({ query }) => listExecutions(deps.db, query),
	}),
	apiRoute({
		method: 'post',
		path: '/executions/retry',
		summary:
			'Run executions again in n8n, one by one: each result says the new execution’s id or why it could not; audited',
		permission: 'executions.operate',
		body: retryRequestSchema,
		handler: async ({ body, audit }) => ({ results: await retryExecutions(deps, audit, body.executions) }),
	}),
	apiRoute({
		method: 'get',
		path: '/executions/:environmentId/:id',
		summary:
			'One execution: what the index keeps, and its run node by node read live from n8n (redacted, never stored)',
		permission: 'executions.read',
		params: executionParams,
		handler: async ({ params }) => executionDetail(deps, params.environmentId, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/executions/:environmentId/:id/retry',
		summary: 'Run one execution again in n8n; audited',
		permission: 'executions.operate',
		params: executionParams,
		handler: async ({ params, audit }) => retryExecution(deps, audit, params.environmentId, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/executions/:environmentId/:id/stop',
		summary: 'Stop a running or waiting execution (n8n 2.x); audited',
		permission: 'executions.operate',
		params: executionParams,
		handler: async ({ params, audit }) => stopExecution(deps, audit, params.environmentId, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/executions/index',
		summary:
			'Index the environment’s executions now (they are every minute): a job reading n8n’s list down to what is known, and the running ones again',
		permission: 'executions.index',
		params: idParams,
		status: 202,
		handler: async ({ params, audit }) => startExecutionIndexing(deps, audit, params.id),
	}),
	apiRoute({
		method: 'get',
		path: '/environments/:id/failure-reporting',
		summary:
			'Whether the failure-reporting workflow is installed in the environment, and working: its last report, and the count of the last 24 hours',
		permission: 'executions.read',
		params: idParams,
		handler: async ({ params }) => reportingStatus(deps.db, params.id),
	}),
	apiRoute({
		method: 'post',
		path: '/environments/:id/failure-reporting',
		summary:
			'Install (or install again, with a new secret) the n8n workflow that reports each failure to the companion within seconds; with setAsErrorWorkflow, also a job making it the error workflow of every workflow that has none. Audited',
		permission: 'executions.operate',
		params: idParams,
		body: reportingRequestSchema,
		handler: async ({ params, body, audit }) => installFailureReporting(deps, audit, params.id, body),
	}),
	apiRoute({
		method: 'get',
		path: '/settings/redaction',
		summary:
			'What error messages are redacted of before they are kept or shown: the default kinds turned off, and patterns of one’s own',
		permission: 'executions.read',
		handler: async () => redactionSettings(deps.db),
	}),
	apiRoute({
		method: 'put',
		path: '/settings/redaction',
		summary:
			'Set the redaction (admin): default kinds off, patterns of one’s own; applies to what is indexed from now on; audited',
		permission: 'policies.manage',
		body: redactionSettingsSchema,
		handler: async ({ body, audit }) => updateRedactionSettings(deps.db, audit, body),
	}),
	apiRoute({
		method: 'post',
		path: '/settings/redaction/preview',
		summary: 'What a text becomes under given redaction settings (nothing is kept)',
		permission: 'executions.read',
		body: z.object({ text: z.string().max(10_000), settings: redactionSettingsSchema.optional() }).strict(),
		handler: async ({ body }) => ({
			redacted: redactor(body.settings ?? (await redactionSettings(deps.db)))(body.text),
		}),
	}),
];
