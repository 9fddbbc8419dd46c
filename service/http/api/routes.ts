import type { AppDeps } from '../deps';
import type { ApiRoute } from '../route';
import { analyticsRoutes } from './analytics.routes';
import { approvalRoutes } from './approvals.routes';
import { auditRoutes } from './audit.routes';
import { credentialBindingRoutes } from './credential-bindings.routes';
import { credentialRoutes } from './credentials.routes';
import { environmentRoutes } from './environments.routes';
import { executionRoutes } from './executions.routes';
import { findingRoutes } from './findings.routes';
import { driftRoutes } from './drift.routes';
import { gitRoutes } from './git.routes';
import { webhookRoutes } from './webhooks.routes';
import { inventoryRoutes } from './inventory.routes';
import { meRoutes } from './me.routes';
import { operationRoutes } from './operations.routes';
import { pipelineRoutes } from './pipelines.routes';
import { policyRoutes } from './policies.routes';
import { promotionRoutes } from './promotions.routes';
import { retentionRoutes } from './retention.routes';
import { snapshotRoutes } from './snapshots.routes';
import { tokenRoutes } from './tokens.routes';
import { userRoutes } from './users.routes';
import { workflowRoutes } from './workflows.routes';

/** Every authenticated JSON route under /api/v1. */
export const apiRoutes = (deps: AppDeps): ApiRoute[] => [
	...meRoutes(deps),
	...userRoutes(deps),
	...tokenRoutes(deps),
	...environmentRoutes(deps),
	...inventoryRoutes(deps),
	...workflowRoutes(deps),
	...operationRoutes(deps),
	...approvalRoutes(deps),
	...policyRoutes(deps),
	...credentialRoutes(deps),
	...findingRoutes(deps),
	...executionRoutes(deps),
	...analyticsRoutes(deps),
	...snapshotRoutes(deps),
	...gitRoutes(deps),
	...driftRoutes(deps),
	...webhookRoutes(deps),
	...pipelineRoutes(deps),
	...credentialBindingRoutes(deps),
	...promotionRoutes(deps),
	...auditRoutes(deps),
	...retentionRoutes(deps),
];
