import type { Migration } from 'kysely';
import * as initial from './0001_initial';
import * as inventory from './0002_inventory';
import * as snapshots from './0003_snapshots';
import * as workflowMoves from './0004_workflow_moves';
import * as gitMirrors from './0005_git_mirrors';
import * as drift from './0006_drift';
import * as driftSchedules from './0007_drift_schedules';
import * as webhooks from './0008_webhooks';
import * as jobSubjects from './0009_job_subjects';
import * as webhookOwners from './0010_webhook_owners';
import * as baselineApprovals from './0011_baseline_approvals';
import * as inventorySyncTime from './0012_inventory_sync_time';
import * as contentHashesOnly from './0013_content_hashes_only';
import * as pipelines from './0014_pipelines';
import * as credentialBindings from './0015_credential_bindings';
import * as promotions from './0016_promotions';
import * as changes from './0017_changes';
import * as snapshotCanonicalIds from './0018_snapshot_canonical_ids';
import * as disabledUsers from './0019_disabled_users';
import * as workflowSearch from './0020_workflow_search';
import * as classPolicies from './0021_class_policies';
import * as credentialHealth from './0022_credential_health';
import * as securityAudits from './0023_security_audits';
import * as contentRuleSettings from './0024_content_rule_settings';
import * as contentFindings from './0025_content_findings';
import * as searchDocuments from './0026_search_documents';
import * as executions from './0027_executions';
import * as executionAnalytics from './0028_execution_analytics';
import * as healthHistory from './0029_health_history';
import * as failureReports from './0030_failure_reports';
import * as retention from './0031_retention';
import * as indexingHighWater from './0032_indexing_high_water';
import * as auditIssued from './0033_audit_issued';
import * as scheduleRuns from './0034_schedule_runs';
import * as replicas from './0035_replicas';
import * as inventorySyncRows from './0036_inventory_sync_rows';

/** Every migration, in order. A static registry: nothing is discovered on disk at run time. */
export const migrations: Record<string, Migration> = {
	'0001_initial': initial,
	'0002_inventory': inventory,
	'0003_snapshots': snapshots,
	'0004_workflow_moves': workflowMoves,
	'0005_git_mirrors': gitMirrors,
	'0006_drift': drift,
	'0007_drift_schedules': driftSchedules,
	'0008_webhooks': webhooks,
	'0009_job_subjects': jobSubjects,
	'0010_webhook_owners': webhookOwners,
	'0011_baseline_approvals': baselineApprovals,
	'0012_inventory_sync_time': inventorySyncTime,
	'0013_content_hashes_only': contentHashesOnly,
	'0014_pipelines': pipelines,
	'0015_credential_bindings': credentialBindings,
	'0016_promotions': promotions,
	'0017_changes': changes,
	'0018_snapshot_canonical_ids': snapshotCanonicalIds,
	'0019_disabled_users': disabledUsers,
	'0020_workflow_search': workflowSearch,
	'0021_class_policies': classPolicies,
	'0022_credential_health': credentialHealth,
	'0023_security_audits': securityAudits,
	'0024_content_rule_settings': contentRuleSettings,
	'0025_content_findings': contentFindings,
	'0026_search_documents': searchDocuments,
	'0027_executions': executions,
	'0028_execution_analytics': executionAnalytics,
	'0029_health_history': healthHistory,
	'0030_failure_reports': failureReports,
	'0031_retention': retention,
	'0032_indexing_high_water': indexingHighWater,
	'0033_audit_issued': auditIssued,
	'0034_schedule_runs': scheduleRuns,
	'0035_replicas': replicas,
	'0036_inventory_sync_rows': inventorySyncRows,
};
