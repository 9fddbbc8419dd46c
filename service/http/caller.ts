import type { Request } from 'express';
import type { Role } from '../db/schema';
import type { AuditContext } from '../domain/audit/audit-log';

/** Who is calling: a signed-in user (UI session) or an API token. */
export interface Caller {
	kind: 'user' | 'token';
	id: string;
	name: string;
	role: Role;
}

declare module 'express-serve-static-core' {
	interface Request {
		caller?: Caller;
	}
}

const N8N_WORKFLOW_HEADER = 'x-workflowops-n8n-workflow-id';
const N8N_EXECUTION_HEADER = 'x-workflowops-n8n-execution-id';

/** The audit context of a request: its caller, address, user agent, and the n8n run a node sends. */
export function auditContext(req: Request): AuditContext {
	const caller = req.caller;
	const workflowId = shortHeader(req, N8N_WORKFLOW_HEADER);
	const executionId = shortHeader(req, N8N_EXECUTION_HEADER);
	return {
		actor: caller
			? { type: caller.kind, id: caller.id, name: caller.name }
			: { type: 'system', id: null, name: 'anonymous' },
		ip: req.ip ?? null,
		userAgent: shortHeader(req, 'user-agent') ?? null,
		...((workflowId || executionId) && { n8n: { workflowId, executionId } }),
	};
}

function shortHeader(req: Request, name: string): string | undefined {
	const value = req.get(name);
	return value ? value.slice(0, 200) : undefined;
}
