import {
	cancelOperationRequest,
	decideOperation,
	getOperationRequest,
	listOperationRequests,
	operationRequestListSchema,
	STATUS_WORDS,
} from '../../domain/approvals/operation-requests';
import {
	ACTION_WORDS,
	classPolicies,
	type ClassPolicyUpdate,
	classPolicyUpdateSchema,
	POLICY_ACTIONS,
	RULES_OF,
	updateClassPolicy,
} from '../../domain/policies/class-policies';
import { ENVIRONMENT_CLASSES } from '../../domain/environments/environments';
import { DomainError } from '../../domain/errors';
import {
	DEFAULT_KINDS,
	redactionSettings,
	redactionSettingsSchema,
	updateRedactionSettings,
} from '../../domain/executions/redaction';
import { DEFAULT_RULES } from '../../domain/policies/content-rules';
import { ruleSettings, ruleSettingsUpdateSchema, updateRuleSettings } from '../../domain/policies/rule-settings';
import { listPromotions } from '../../domain/promotions/promotions';
import { enforceRetentionJob } from '../../domain/retention/enforce-retention';
import {
	lastRetention,
	RETENTION_LEAST,
	RETENTION_WORDS,
	retentionSettings,
	retentionSettingsSchema,
	updateRetentionSettings,
} from '../../domain/retention/retention-settings';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { decisionPost, rejectionForm } from './decision-forms';
import { filterValues, formLines, parseForm, userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render, wantsPartial } from './views';

type Handler = UiRoute['handler'];
type Req = Parameters<Handler>[0];
type Res = Parameters<Handler>[1];

/** A class's changed rules from the policy form, or a 422 naming the first wrong one. */
function parsePolicyUpdate(changed: Record<string, unknown>): ClassPolicyUpdate {
	const parsed = classPolicyUpdateSchema.safeParse(changed);
	if (parsed.success) return parsed.data;
	const [issue] = parsed.error.issues;
	throw new DomainError('unprocessable', `${issue.path.join('.')}: ${issue.message}`);
}

/** The approvals inbox (operations a class policy sent for approval), one request, and the policy table. */
export const approvalPages = (deps: AppDeps): UiRoute[] => {
	const show = async (req: Req, res: Res, error?: { status: number; message: string }) => {
		const request = await getOperationRequest(deps.db, String(req.params.id));
		const mine = req.caller!.kind === request.requestedBy.type && req.caller!.id === request.requestedBy.id;
		render(
			req,
			res,
			'pages/approval',
			{ request, mine, statusWords: STATUS_WORDS, error: error?.message ?? null },
			{ status: error?.status },
		);
	};
	const decision = decisionPost(show, (req) => `/approvals/${String(req.params.id)}`);
	const policiesPage = async (req: Req, res: Res, error?: { status: number; message: string }) =>
		render(
			req,
			res,
			'pages/policies',
			{
				policies: await classPolicies(deps.db),
				classes: ENVIRONMENT_CLASSES,
				actions: POLICY_ACTIONS,
				actionWords: ACTION_WORDS,
				rulesOf: RULES_OF,
				rules: await ruleSettings(deps.db),
				redaction: await redactionSettings(deps.db),
				redactionKinds: DEFAULT_KINDS,
				retention: await retentionSettings(deps.db),
				retentionWords: RETENTION_WORDS,
				retentionLeast: RETENTION_LEAST,
				lastRetention: await lastRetention(deps.db),
				error: error?.message ?? null,
			},
			{ status: error?.status },
		);

	return [
		{
			method: 'get',
			path: '/approvals',
			permission: 'workflows.read',
			handler: async (req, res) => {
				const query = parseForm(operationRequestListSchema, { status: 'PENDING_APPROVAL', ...req.query });
				const page = query.errors ? { data: [], nextCursor: null } : await listOperationRequests(deps.db, query.data);
				const promotions = await listPromotions(deps.db, { status: 'PENDING_APPROVAL', limit: 250 });
				render(
					req,
					res,
					'pages/approvals',
					{
						page,
						waitingPromotions: promotions.data.length,
						statusWords: STATUS_WORDS,
						filters: { status: 'PENDING_APPROVAL', ...filterValues(req.query) },
					},
					{ partial: 'partials/approval-table' },
				);
			},
		},
		{ method: 'get', path: '/approvals/:id', permission: 'workflows.read', handler: (req, res) => show(req, res) },
		{
			method: 'post',
			path: '/approvals/:id/approve',
			permission: 'operations.approve',
			handler: decision((req, form) =>
				decideOperation(deps, auditContext(req), String(req.params.id), 'approve', form),
			),
		},
		{
			method: 'post',
			path: '/approvals/:id/reject',
			permission: 'operations.approve',
			handler: decision(
				(req, form) => decideOperation(deps, auditContext(req), String(req.params.id), 'reject', form),
				rejectionForm,
			),
		},
		{
			method: 'post',
			path: '/approvals/:id/cancel',
			permission: 'workflows.operate',
			handler: decision((req, form) =>
				cancelOperationRequest(deps.db, auditContext(req), String(req.params.id), form.comment),
			),
		},
		{
			method: 'get',
			path: '/policies',
			permission: 'environments.read',
			handler: (req, res) => policiesPage(req, res),
		},
		{
			method: 'post',
			path: '/policies/content-rules',
			permission: 'policies.manage',
			handler: async (req, res) => {
				const body = (req.body ?? {}) as Record<string, unknown>;
				const severity = Object.fromEntries(
					Object.keys(DEFAULT_RULES.severity).map((rule) => [
						rule,
						Object.fromEntries(
							ENVIRONMENT_CLASSES.flatMap((c) => (body[`${rule}.${c}`] ? [[c, body[`${rule}.${c}`]]] : [])),
						),
					]),
				);
				const parsed = ruleSettingsUpdateSchema.safeParse({
					severity,
					bannedNodeTypes: formLines(body.bannedNodeTypes),
					scheduleFloorSeconds: Number(body.scheduleFloorSeconds),
				});
				if (!parsed.success) {
					const [issue] = parsed.error.issues;
					return policiesPage(req, res, { status: 422, message: `${issue.path.join('.')}: ${issue.message}` });
				}
				await updateRuleSettings(deps.db, auditContext(req), parsed.data);
				res.redirect(303, '/policies#content-rules');
			},
		},
		{
			method: 'post',
			path: '/policies/retention',
			permission: 'policies.manage',
			handler: async (req, res) => {
				const body = (req.body ?? {}) as Record<string, unknown>;
				const parsed = retentionSettingsSchema.safeParse(
					Object.fromEntries(Object.keys(RETENTION_WORDS).map((kind) => [kind, Number(body[kind])])),
				);
				if (!parsed.success) {
					const [issue] = parsed.error.issues;
					const kind = String(issue.path[0]) as keyof typeof RETENTION_WORDS;
					const message = `Retention of ${RETENTION_WORDS[kind]} must be a whole number, at least ${RETENTION_LEAST[kind]}`;
					return policiesPage(req, res, { status: 422, message });
				}
				await updateRetentionSettings(deps.db, auditContext(req), parsed.data);
				res.redirect(303, '/policies#retention');
			},
		},
		{
			method: 'post',
			path: '/policies/retention/run',
			permission: 'policies.manage',
			handler: async (req, res) => {
				const job = await enforceRetentionJob(deps, auditContext(req));
				if (!wantsPartial(req)) return res.redirect(303, '/policies#retention');
				render(req, res, 'partials/job-follow', { job });
			},
		},
		{
			method: 'post',
			path: '/policies/redaction',
			permission: 'policies.manage',
			handler: async (req, res) => {
				const body = (req.body ?? {}) as Record<string, unknown>;
				const patterns = formLines(body.patterns).map((line) => {
					const colon = line.indexOf(':');
					return { kind: line.slice(0, colon).trim(), pattern: line.slice(colon + 1).trim() };
				});
				const parsed = redactionSettingsSchema.safeParse({
					off: DEFAULT_KINDS.filter((kind) => body[`redact.${kind}`] === undefined),
					patterns,
				});
				if (!parsed.success) {
					const [issue] = parsed.error.issues;
					const where =
						issue.path[0] === 'patterns'
							? `line ${Number(issue.path[1]) + 1} (${String(issue.path[2])})`
							: issue.path.join('.');
					return policiesPage(req, res, { status: 422, message: `Redaction, ${where}: ${issue.message}` });
				}
				await updateRedactionSettings(deps.db, auditContext(req), parsed.data);
				res.redirect(303, '/policies#redaction');
			},
		},
		{
			method: 'post',
			path: '/policies',
			permission: 'policies.manage',
			handler: async (req, res) => {
				const current = await classPolicies(deps.db);
				const body = (req.body ?? {}) as Record<string, unknown>;
				try {
					for (const environmentClass of ENVIRONMENT_CLASSES) {
						const changed = Object.fromEntries(
							POLICY_ACTIONS.flatMap((action) => {
								const rule = body[`${environmentClass}.${action}`];
								return typeof rule === 'string' && rule !== current[environmentClass][action] ? [[action, rule]] : [];
							}),
						);
						if (Object.keys(changed).length)
							await updateClassPolicy(deps.db, auditContext(req), environmentClass, parsePolicyUpdate(changed));
					}
				} catch (error) {
					return policiesPage(req, res, userFacingError(req, error));
				}
				res.redirect(303, '/policies');
			},
		},
	];
};
