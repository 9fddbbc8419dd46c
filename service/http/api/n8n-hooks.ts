import express, { type Router } from 'express';
import { z } from 'zod';
import {
	failureReportSchema,
	HOOK_PATH,
	recordFailureReport,
	verifyFailureReport,
} from '../../domain/executions/failure-reporting';
import { DomainError } from '../../domain/errors';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../domain/events/events';
import type { AppDeps } from '../deps';
import { validate } from '../validate';

const hookParams = z.object({ environmentId: z.string().min(1).max(100) });

/**
 * What n8n pushes: the reporting workflow's failures. Signed with the environment's secret rather
 * than sent with a token, so the signature is checked on the body exactly as it came.
 */
export function n8nHookRouter(deps: AppDeps): Router {
	const router = express.Router();
	router.post(HOOK_PATH, express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
		const { environmentId } = validate(hookParams, req.params, 'path');
		const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
		await verifyFailureReport(deps, environmentId, {
			timestamp: req.get(TIMESTAMP_HEADER),
			signature: req.get(SIGNATURE_HEADER),
			body,
		});
		const report = validate(failureReportSchema, jsonOf(body), 'body');
		res.status(202).json(await recordFailureReport(deps, environmentId, report));
	});
	return router;
}

function jsonOf(body: Buffer): unknown {
	try {
		return JSON.parse(body.toString('utf8'));
	} catch {
		throw new DomainError('invalid_request', 'The request body is not valid JSON');
	}
}

/** The hook in the OpenAPI document: signed, not authorised by a token. */
export const n8nHookOperation = {
	summary:
		'Where the failure-reporting workflow installed in an environment reports each failure (signed with the environment’s secret): announced as execution.failed',
	security: [],
	parameters: [{ name: 'environmentId', in: 'path', required: true, schema: { type: 'string' } }],
	requestBody: {
		required: true,
		content: { 'application/json': { schema: z.toJSONSchema(failureReportSchema, { io: 'input' }) } },
	},
	responses: {
		'202': { description: 'Recorded (duplicate: already known)' },
		'400': { description: 'Not a report' },
		'401': { description: 'Signature missing, stale or wrong' },
		'404': { description: 'No such environment, or failure reporting not installed' },
	},
};
