import type { Selectable } from 'kysely';

export type Role = 'viewer' | 'developer' | 'admin';
export type EnvironmentClass = 'dev' | 'staging' | 'prod';

export interface UsersTable {
	id: string;
	email: string;
	role: Role;
	password_hash: string;
	created_at: string;
	last_login_at: string | null;
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

export interface Database {
	users: UsersTable;
	sessions: SessionsTable;
	api_tokens: ApiTokensTable;
	environments: EnvironmentsTable;
	audit_log: AuditLogTable;
}

export type User = Selectable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type EnvironmentRow = Selectable<EnvironmentsTable>;
export type AuditRow = Selectable<AuditLogTable>;
