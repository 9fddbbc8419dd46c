import { z } from 'zod';
import {
	ACTION_WORDS,
	classPolicies,
	classPolicyUpdateSchema,
	environmentClassSchema,
	RULES_OF,
	updateClassPolicy,
} from '../../domain/policies/class-policies';
import { ruleSettings, ruleSettingsUpdateSchema, updateRuleSettings } from '../../domain/policies/rule-settings';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';

/** What each environment class allows (the policy table), and the content rules. */
export const policyRoutes = (deps: AppDeps) => [
	apiRoute({
		method: 'get',
		path: '/policies/classes',
		summary:
			'Per environment class (dev, staging, prod), the rule of each action: allowed, warn (asks confirm: true), requires_approval (becomes a request another admin approves) or blocked; with the rules each action may have',
		permission: 'environments.read',
		handler: async () => ({ classes: await classPolicies(deps.db), actions: ACTION_WORDS, rules: RULES_OF }),
	}),
	apiRoute({
		method: 'patch',
		path: '/policies/classes/:class',
		summary: 'Change some of a class’s rules (admin); audited',
		permission: 'policies.manage',
		params: z.object({ class: environmentClassSchema }),
		body: classPolicyUpdateSchema,
		handler: async ({ params, body, audit }) => updateClassPolicy(deps.db, audit, params.class, body),
	}),
	apiRoute({
		method: 'get',
		path: '/policies/content-rules',
		summary:
			'The content rules: each rule’s severity per environment class (off, info, warning, error: an error blocks a promotion into that class), the banned node types, the schedule floor',
		permission: 'environments.read',
		handler: async () => ruleSettings(deps.db),
	}),
	apiRoute({
		method: 'patch',
		path: '/policies/content-rules',
		summary:
			'Change the content rules (admin): severities of some rules in some classes, banned node types, the schedule floor; audited',
		permission: 'policies.manage',
		body: ruleSettingsUpdateSchema,
		handler: async ({ body, audit }) => updateRuleSettings(deps.db, audit, body),
	}),
];
