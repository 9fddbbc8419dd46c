import type { Generated, Selectable } from 'kysely';

export type Role = 'viewer' | 'developer' | 'admin';
export type EnvironmentClass = 'dev' | 'staging' | 'prod';

export interface UsersTable {
	id: string;
	email: string;
	role: Role;
	password_hash: string;
	created_at: string;
	last_login_at: string | null;
	/** When an admin disabled the account: no sign-in, no session, none of their tokens. */
	disabled_at: string | null;
}

export interface SessionsTable {
	id_hash: string;
	user_id: string;
	created_at: string;
	expires_at: string;
}

export interface ApiTokensTable {
	id: string;
	name: string;
	role: Role;
	token_hash: string;
	/** The first characters of the token, so people can tell tokens apart; never enough to use it. */
	token_prefix: string;
	created_by: string | null;
	created_at: string;
	last_used_at: string | null;
	revoked_at: string | null;
}

export interface EnvironmentsTable {
	id: string;
	name: string;
	base_url: string;
	class: EnvironmentClass;
	/** AES-256-GCM sealed API key (see service/domain/secrets.ts). */
	api_key_sealed: string;
	notes: string;
	created_at: string;
	updated_at: string;
	last_test_at: string | null;
	/** JSON of the last ConnectionReport. */
	last_test_result: string | null;
	last_sync_at: string | null;
	/** JSON {critical?, high?, medium?, low?} of SLA hours overriding the defaults; null keeps them. */
	incident_sla_hours: string | null;
	last_scheduled_check_at: string | null;
	last_scheduled_check_error: string | null;
	/** When its baseline was last approved (even with no workflow in it); null: never, so not watched. */
	baseline_approved_at: string | null;
}

export interface AuditLogTable {
	id: number;
	at: string;
	actor_type: 'user' | 'token' | 'system';
	actor_id: string | null;
	actor_name: string | null;
	n8n_workflow_id: string | null;
	n8n_execution_id: string | null;
	action: string;
	resource_type: string | null;
	resource_id: string | null;
	environment_id: string | null;
	metadata: string;
	ip: string | null;
	user_agent: string | null;
	prev_hash: string;
	hash: string;
}

export type JobStatus = 'running' | 'succeeded' | 'failed';

export interface JobsTable {
	id: string;
	kind: string;
	environment_id: string | null;
	status: JobStatus;
	/** JSON: what the job has done so far (e.g. pages and workflows seen). */
	progress: string;
	/** JSON: what the job produced, once it succeeded. */
	result: string | null;
	error: string | null;
	created_by: string | null;
	created_at: string;
	finished_at: string | null;
	/** What the job acts on beyond its environment, e.g. "snapshot:<id>" or "incident:<id>". */
	subject: string | null;
	/** The replica running it, or that will send it (migration 0035); null before that. */
	replica_id: string | null;
}

export type CanonicalStatus = 'UNMAPPED' | 'LINKED' | 'MISSING' | 'IGNORED';

export interface CanonicalWorkflowsTable {
	id: string;
	name: string;
	status: CanonicalStatus;
	created_at: string;
}

/** Each distinct content seen: SHA-256 of the canonical JSON of the normalised workflow. */
export interface WorkflowContentsTable {
	content_hash: string;
}

export interface WorkflowBlobsTable {
	/** SHA-256 of `raw`. */
	raw_hash: string;
	content_hash: string;
	/** The workflow exactly as n8n returned it, for restore. */
	raw: string;
}

export interface WorkflowInventoryTable {
	environment_id: string;
	n8n_id: string;
	canonical_id: string;
	name: string;
	active: number;
	/** JSON array of tag names. */
	tags: string;
	/** JSON array of the distinct node types, for search. */
	node_types: string;
	node_count: number;
	content_hash: string;
	raw_hash: string;
	n8n_updated_at: string | null;
}

/**
 * A workflow an inventory sync (its job) has read, with the identity it gets if it is new to the
 * environment's inventory.
 */
export interface InventorySyncRowsTable extends Omit<WorkflowInventoryTable, 'environment_id'> {
	job_id: string;
}

/** Inventory rows written since the search index last read them (marked by triggers). */
export interface WorkflowSearchStaleTable {
	environment_id: string;
	n8n_id: string;
}

/** Numbers each distinct search document (its FTS5 rowid), found again by the hash of its text. */
export interface WorkflowSearchDocumentsTable {
	id: Generated<number>;
	text_hash: string;
}

/** Which search document each inventory row has (migration 0026). */
export interface WorkflowSearchRowsTable {
	environment_id: string;
	n8n_id: string;
	document_id: number;
}

/** FTS5 over the distinct search documents (migration 0026), queried with MATCH. */
export interface WorkflowSearchTextTable {
	rowid: number;
	name: string;
	nodes: string;
	tags: string;
	credentials: string;
	parameters: string;
}

/** A link proposal an admin rejected: onboarding does not propose it again. */
export interface LinkRejectionsTable {
	proposal_id: string;
	rejected_by: string | null;
	rejected_at: string;
}

export interface CredentialInventoryTable {
	environment_id: string;
	n8n_id: string;
	name: string;
	type: string;
	synced_at: string;
}

export interface SnapshotsTable {
	id: string;
	environment_id: string;
	label: string;
	reason: string;
	/** The actor's name (user email or token name). */
	created_by: string | null;
	created_at: string;
	workflow_count: number;
	/** 1 when it holds a selection of workflows: it says nothing of the others. */
	selective: number;
}

export interface SnapshotItemsTable {
	snapshot_id: string;
	n8n_id: string;
	name: string;
	active: number;
	content_hash: string;
	raw_hash: string;
	/** The workflow's identity, which leads to its id now when n8n has re-created it (null: never synced). */
	canonical_id: string | null;
}

export interface GitMirrorsTable {
	environment_id: string;
	api_url: string;
	owner: string;
	repo: string;
	branch: string;
	/** '' or a folder ending in '/'. */
	path_prefix: string;
	/** AES-256-GCM sealed GitHub token. */
	token_sealed: string;
	updated_at: string;
}

export interface SnapshotPushesTable {
	snapshot_id: string;
	commit_sha: string;
	url: string;
	pushed_by: string | null;
	pushed_at: string;
}

export interface Database {
	users: UsersTable;
	sessions: SessionsTable;
	api_tokens: ApiTokensTable;
	environments: EnvironmentsTable;
	audit_log: AuditLogTable;
	jobs: JobsTable;
	canonical_workflows: CanonicalWorkflowsTable;
	workflow_contents: WorkflowContentsTable;
	workflow_blobs: WorkflowBlobsTable;
	workflow_inventory: WorkflowInventoryTable;
	inventory_sync_rows: InventorySyncRowsTable;
	workflow_search_stale: WorkflowSearchStaleTable;
	workflow_search_documents: WorkflowSearchDocumentsTable;
	workflow_search_rows: WorkflowSearchRowsTable;
	workflow_search_text: WorkflowSearchTextTable;
	link_rejections: LinkRejectionsTable;
	credential_inventory: CredentialInventoryTable;
	snapshots: SnapshotsTable;
	snapshot_items: SnapshotItemsTable;
	git_mirrors: GitMirrorsTable;
	snapshot_pushes: SnapshotPushesTable;
	baselines: BaselinesTable;
	drift_checks: DriftChecksTable;
	incidents: IncidentsTable;
	drift_schedules: DriftSchedulesTable;
	webhook_subscriptions: WebhookSubscriptionsTable;
	webhook_deliveries: WebhookDeliveriesTable;
	pipelines: PipelinesTable;
	pipeline_stages: PipelineStagesTable;
	credential_bindings: CredentialBindingsTable;
	promotions: PromotionsTable;
	promotion_decisions: PromotionDecisionsTable;
	changes: ChangesTable;
	change_steps: ChangeStepsTable;
	class_policies: ClassPoliciesTable;
	operation_requests: OperationRequestsTable;
	operation_decisions: OperationDecisionsTable;
	credential_health: CredentialHealthTable;
	security_audits: SecurityAuditsTable;
	content_rule_settings: ContentRuleSettingsTable;
	content_findings: ContentFindingsTable;
	executions: ExecutionsTable;
	execution_indexing: ExecutionIndexingTable;
	redaction_settings: RedactionSettingsTable;
	execution_rollups: ExecutionRollupsTable;
	execution_daily_rollups: ExecutionDailyRollupsTable;
	error_rollups: ErrorRollupsTable;
	cost_models: CostModelsTable;
	health_samples: HealthSamplesTable;
	environment_health: EnvironmentHealthTable;
	failure_reporting: FailureReportingTable;
	failure_reports: FailureReportsTable;
	retention_settings: RetentionSettingsTable;
	audit_signing_key: AuditSigningKeyTable;
	schedule_runs: ScheduleRunsTable;
	replicas: ReplicasTable;
	running_drift_checks: RunningDriftChecksTable;
	login_attempts: LoginAttemptsTable;
}

export type ChangeKind = 'restore' | 'promotion' | 'promotion_rollback';
/** running → applied; or, on a failure or after a crash, undone (every step put back) or undo_failed. */
export type ChangeStatus = 'running' | 'applied' | 'undone' | 'undo_failed';

/** A multi-step change to one n8n instance (restore, revert, promotion, rollback). */
export interface ChangesTable {
	id: string;
	kind: ChangeKind;
	environment_id: string;
	/** What it comes from: "snapshot:<id>", "incident:<id>", "promotion:<id>". */
	subject: string;
	/** Shown in messages, e.g. `snapshot "before release"`. */
	description: string;
	/** Live n8n before the change: what undo puts back. */
	safety_snapshot_id: string | null;
	status: ChangeStatus;
	error: string | null;
	started_at: string;
	finished_at: string | null;
	/** The replica running it, or that will send it (migration 0035); null before that. */
	replica_id: string | null;
}

export type ChangeAction = 'create' | 'update' | 'delete';
/** intent is recorded before the write is sent, done after n8n answered it. */
export type ChangeStepState = 'intent' | 'done' | 'undone' | 'undo_failed';

export interface ChangeStepsTable {
	change_id: string;
	seq: number;
	action: ChangeAction;
	workflow_id: string | null;
	result_id: string | null;
	name: string;
	/**
	 * Content hash of what the step writes, as the target's API takes it (finds a create whose answer
	 * was lost); once read back, of what the target holds (tells a later change to it).
	 */
	expected_hash: string | null;
	state: ChangeStepState;
	error: string | null;
	intent_at: string;
	done_at: string | null;
}

export type PromotionStatus =
	'PENDING_APPROVAL' | 'APPROVED' | 'RUNNING' | 'COMPLETED' | 'ROLLED_BACK' | 'FAILED' | 'REJECTED' | 'CANCELLED';

export interface PromotionsTable {
	id: string;
	source_environment_id: string;
	target_environment_id: string;
	pipeline_id: string | null;
	status: PromotionStatus;
	/** JSON: the plan request as made. */
	request: string;
	/** JSON: the stage's gates as they were when requested. */
	stage: string;
	/** JSON: the plan's items, summary and blockers. */
	plan: string;
	plan_hash: string;
	required_approvals: number;
	reason: string;
	requested_by_type: string;
	requested_by_id: string | null;
	requested_by: string;
	idempotency_key: string | null;
	/** SHA-256 of the request body, to tell a retry from another request under the same key. */
	request_hash: string;
	/** For a rollback: the completed promotion it undoes. */
	rollback_of: string | null;
	created_at: string;
	updated_at: string;
}

export interface PromotionDecisionsTable {
	promotion_id: string;
	decision: 'approve' | 'reject';
	actor_type: string;
	actor_id: string;
	actor_name: string;
	/** The person who decided, where the caller is a token acting for them (an approval flow in n8n). */
	decided_by: string | null;
	comment: string;
	/** The plan the decision was made on. */
	plan_hash: string;
	decided_at: string;
}

export interface CredentialBindingsTable {
	source_environment_id: string;
	source_credential_id: string;
	target_environment_id: string;
	target_credential_id: string;
	created_by: string | null;
	created_at: string;
}

export interface PipelinesTable {
	id: string;
	name: string;
	description: string;
	created_by: string | null;
	created_at: string;
	updated_at: string;
}

export type RiskCeiling = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
export type DeletionPolicy = 'report' | 'archive';

export interface PipelineStagesTable {
	pipeline_id: string;
	/** 0, 1, 2… in the order promotions go through them. */
	position: number;
	source_environment_id: string;
	target_environment_id: string;
	required_approvals: number;
	auto_approve_max_risk: RiskCeiling;
	require_target_in_sync: number;
	allow_drift_elsewhere: number;
	/** JSON array of sync windows. */
	windows: string;
	deletions: DeletionPolicy;
	include_dependencies: number;
}

export interface BaselinesTable {
	environment_id: string;
	n8n_id: string;
	name: string;
	content_hash: string;
	raw_hash: string;
	approved_by: string | null;
	approved_at: string;
}

export type DriftCheckStatus = 'NEW' | 'IN_SYNC' | 'DRIFT_DETECTED' | 'ERROR';

export interface DriftChecksTable {
	id: string;
	environment_id: string;
	/** manual (API, UI, node) or schedule. */
	trigger: string;
	status: DriftCheckStatus;
	error: string | null;
	/** JSON of the counts per workflow status. */
	counts: string;
	/** JSON of the workflows not in sync, with their diffs. */
	items: string;
	started_by: string | null;
	started_at: string;
	finished_at: string;
}

export type IncidentStatus = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export type Resolution = 'keep' | 'revert' | 'note' | 'auto';

export interface IncidentsTable {
	id: string;
	environment_id: string;
	status: IncidentStatus;
	severity: Severity;
	/** JSON of the drifted workflows of the last check that found them. */
	items: string;
	last_check_id: string;
	opened_at: string;
	updated_at: string;
	sla_due_at: string;
	sla_breached_at: string | null;
	acknowledged_by: string | null;
	acknowledged_at: string | null;
	acknowledge_note: string | null;
	resolution: Resolution | null;
	resolved_by: string | null;
	resolved_at: string | null;
	resolve_note: string | null;
}

export interface DriftSchedulesTable {
	environment_id: string;
	cron: string;
	enabled: number;
	updated_by: string | null;
	updated_at: string;
}

export interface WebhookSubscriptionsTable {
	id: string;
	url: string;
	/** JSON array of event types. */
	events: string;
	secret_sealed: string;
	description: string;
	created_by: string | null;
	/** The subscribing user's or token's id; null for subscriptions older than ownership. */
	owner_id: string | null;
	created_at: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
	id: string;
	subscription_id: string;
	event_id: string;
	event_type: string;
	/** The JSON body sent, exactly (the signature covers it). */
	payload: string;
	status: DeliveryStatus;
	attempts: number;
	response_status: number | null;
	error: string | null;
	next_attempt_at: string | null;
	created_at: string;
	delivered_at: string | null;
	/** The replica running it, or that will send it (migration 0035); null before that. */
	replica_id: string | null;
}

export type User = Selectable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type EnvironmentRow = Selectable<EnvironmentsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type JobRow = Selectable<JobsTable>;
export type InventoryRow = Selectable<WorkflowInventoryTable>;
export type SnapshotRow = Selectable<SnapshotsTable>;

export type PolicyAction = 'direct_edit' | 'activation' | 'delete' | 'upload' | 'restore';
export type PolicyRule = 'allowed' | 'warn' | 'requires_approval' | 'blocked';

/** A rule an admin set for an environment class; the actions without a row follow the defaults. */
export interface ClassPoliciesTable {
	environment_class: EnvironmentClass;
	action: PolicyAction;
	rule: PolicyRule;
	updated_by: string;
	updated_at: string;
}

export type OperationRequestStatus = 'PENDING_APPROVAL' | 'APPROVED' | 'FAILED' | 'REJECTED' | 'CANCELLED';

/** An operation on n8n that a policy sent for approval; it runs when another admin approves it. */
export interface OperationRequestsTable {
	id: string;
	environment_id: string;
	action: PolicyAction;
	/** JSON: the operation as asked for (see service/domain/approvals/gated-operations.ts). */
	operation: string;
	/** What it does, in words. */
	summary: string;
	reason: string;
	status: OperationRequestStatus;
	requested_by_type: string;
	requested_by_id: string | null;
	requested_by: string;
	/** JSON: what running it answered (its job, or its result). */
	outcome: string | null;
	/** Why it could not run, once approved. */
	error: string | null;
	created_at: string;
	updated_at: string;
	/** The replica running it, or that will send it (migration 0035); null before that. */
	replica_id: string | null;
}

export interface OperationDecisionsTable {
	request_id: string;
	decision: 'approve' | 'reject';
	actor_type: string;
	actor_id: string;
	actor_name: string;
	decided_by: string | null;
	comment: string;
	decided_at: string;
}

/** A credential's last test in n8n (2.x): OK, or failing since the first failed test in a row. */
export interface CredentialHealthTable {
	environment_id: string;
	credential_id: string;
	status: 'ok' | 'failing';
	/** n8n's own words. */
	message: string;
	tested_at: string;
	failing_since: string | null;
}

export interface SecurityAuditsTable {
	environment_id: string;
	/** JSON: the reports, as service/domain/policies/security-audit.ts reads n8n's answer. */
	report: string;
	generated_at: string;
}

/** The one row (id 1) of the content rules as admins set them. */
export interface ContentRuleSettingsTable {
	id: number;
	/** JSON: RuleSettings (service/domain/policies/content-rules.ts). */
	settings: string;
	updated_by: string;
	updated_at: string;
}

/** The content rules' findings (JSON) on one content at one class, under one version of the rules' settings. */
export interface ContentFindingsTable {
	content_hash: string;
	class: EnvironmentClass;
	settings_hash: string;
	findings: string;
	/** How many of them are errors, warnings, infos: what the matrix shows. */
	errors: number;
	warnings: number;
	infos: number;
}

/** What n8n reports of an execution's state. */
export type ExecutionStatus = 'canceled' | 'crashed' | 'error' | 'new' | 'running' | 'success' | 'unknown' | 'waiting';

/** One execution an environment's n8n ran (migration 0027): never its data; a failure's message redacted. */
export interface ExecutionsTable {
	environment_id: string;
	n8n_id: string;
	/** n8n's id as a number: what ordering and "already known" go by. */
	seq: number;
	workflow_id: string;
	/** As the inventory named the workflow when the execution was indexed. */
	workflow_name: string | null;
	status: ExecutionStatus;
	mode: string;
	/** n8n's start, or when it was first seen for one not started yet. */
	started_at: string;
	stopped_at: string | null;
	duration_ms: number | null;
	retry_of: string | null;
	retry_success_id: string | null;
	failed_node: string | null;
	error_message: string | null;
	/** The message with ids and numbers taken out: what "the most frequent errors" count by. */
	error_group: string | null;
	indexed_at: string;
}

/** An environment's last execution indexing. */
export interface ExecutionIndexingTable {
	environment_id: string;
	indexed_at: string;
	added: number;
	updated: number;
	error: string | null;
	/** The newest execution number the last complete indexing read everything down to (migration 0032). */
	complete_seq: number | null;
}

/** The one row (id 1) of the redaction patterns as admins set them. */
export interface RedactionSettingsTable {
	id: number;
	/** JSON: RedactionSettings (service/domain/executions/redaction.ts). */
	settings: string;
	updated_by: string;
	updated_at: string;
}

/** Per environment, workflow and hour: counts and the durations' buckets (migration 0028). */
export interface ExecutionRollupsTable {
	environment_id: string;
	workflow_id: string;
	/** UTC, 'YYYY-MM-DDTHH'. */
	hour: string;
	total: number;
	succeeded: number;
	/** error and crashed. */
	failed: number;
	canceled: number;
	duration_count: number;
	duration_sum_ms: number;
	duration_max_ms: number;
	b0: number;
	b1: number;
	b2: number;
	b3: number;
	b4: number;
	b5: number;
	b6: number;
	b7: number;
	b8: number;
	b9: number;
	b10: number;
	b11: number;
	b12: number;
	b13: number;
	b14: number;
	b15: number;
}

/** The same per day (UTC, 'YYYY-MM-DD'): what long ranges read. */
export type ExecutionDailyRollupsTable = Omit<ExecutionRollupsTable, 'hour'> & { day: string };

/** Per environment, workflow, day and error group: how many, the last, one example (redacted). */
export interface ErrorRollupsTable {
	environment_id: string;
	workflow_id: string;
	day: string;
	error_group: string;
	count: number;
	last_at: string;
	example: string;
}

/** What an environment's executions cost: per execution, per second, per node type in the workflow. */
export interface CostModelsTable {
	environment_id: string;
	currency: string;
	per_execution: number;
	per_second: number;
	/** JSON: { [nodeType]: price per execution of a workflow holding it }. */
	per_node_type: string;
	updated_at: string;
}

/** One health check of an environment (migration 0029). */
export interface HealthSamplesTable {
	environment_id: string;
	at: string;
	/** Reachable and the API key accepted. */
	ok: number;
	latency_ms: number;
	version: string | null;
	error: string | null;
}

/** An environment's state: down after two failed checks in a row, up at the next good one. */
export interface EnvironmentHealthTable {
	environment_id: string;
	state: 'up' | 'down';
	/** Failed checks in a row. */
	failures: number;
	/** Since when it is in this state. */
	since: string;
}

/** The failure-reporting workflow installed into an environment (migration 0030). */
export interface FailureReportingTable {
	environment_id: string;
	/** The HMAC secret the workflow signs its reports with, sealed. */
	secret_sealed: string;
	/** The workflow's id in n8n. */
	workflow_id: string;
	/** Where the workflow sends its reports. */
	companion_url: string;
	installed_at: string;
	installed_by: string | null;
	last_received_at: string | null;
}

/** A failed execution that was announced, or waits in its burst to be (migration 0030). */
export interface FailureReportsTable {
	environment_id: string;
	/** n8n's execution id. */
	execution_id: string;
	workflow_id: string;
	workflow_name: string | null;
	failed_node: string | null;
	/** Redacted. */
	error_message: string | null;
	/** Pushed by the reporting workflow, or found by the execution index. */
	source: 'n8n' | 'index';
	received_at: string;
	/** When its execution.failed event was recorded; null while its burst is still open. */
	announced_at: string | null;
}

/** How long each kind of data is kept, as JSON (migration 0031). */
export interface RetentionSettingsTable {
	id: number;
	settings: string;
	updated_by: string;
	updated_at: string;
}

/** The key that signs audit exports (migration 0031). */
export interface AuditSigningKeyTable {
	id: number;
	/** PEM (SPKI). */
	public_key: string;
	/** PEM (PKCS #8), sealed. */
	private_key_sealed: string;
	created_at: string;
}

/** A task's run at one tick, claimed by the process that runs it (migration 0034). */
export interface ScheduleRunsTable {
	/** The task's name and the tick's time, as node-cron names them: "health:2026-11-30T10:05:00.000Z". */
	key: string;
	claimed_at: string;
}

/** A companion process serving this database (migration 0035). */
export interface ReplicasTable {
	id: string;
	/** The PostgreSQL advisory lock it holds while it lives: whoever can take it knows it is gone. */
	lock_key: number;
	host: string;
	pid: number;
	started_at: string;
}

/** A drift check under way, one per environment across replicas. */
export interface RunningDriftChecksTable {
	environment_id: string;
	replica_id: string;
	started_at: string;
}

/** Failed sign-ins counted for one client (an address, or an account) until `reset_at`. */
export interface LoginAttemptsTable {
	key: string;
	hits: number;
	reset_at: string;
}
