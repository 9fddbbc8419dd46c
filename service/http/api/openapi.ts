import { z } from 'zod';
import { PERMISSIONS } from '../../domain/auth/permissions';
import type { ApiRoute } from '../route';
import { HOOK_PATH } from '../../domain/executions/failure-reporting';
import { n8nHookOperation } from './n8n-hooks';
import { API_PREFIX } from './router';

type JsonSchema = Record<string, unknown>;

const errorSchema = {
	type: 'object',
	required: ['error'],
	properties: {
		error: {
			type: 'object',
			required: ['code', 'message'],
			properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
		},
	},
};

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(routes: ApiRoute[], version: string): JsonSchema {
	const paths: Record<string, Record<string, JsonSchema>> = {};
	for (const route of routes) {
		const path = API_PREFIX + route.path.replace(/:(\w+)/g, '{$1}');
		paths[path] ??= {};
		paths[path][route.method] = operation(route);
	}
	paths[API_PREFIX + HOOK_PATH.replace(/:(\w+)/g, '{$1}')] = { post: n8nHookOperation };
	return {
		openapi: '3.1.0',
		info: { title: 'WorkflowOps companion API', version },
		components: {
			securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
			schemas: { Error: errorSchema },
		},
		security: [{ bearer: [] }],
		paths,
	};
}

function operation(route: ApiRoute): JsonSchema {
	const errorResponse = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
	return {
		summary: route.summary,
		description: `Needs the ${route.permission} permission (role ${PERMISSIONS[route.permission]} or above).`,
		parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
		...(route.body && {
			requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body) } } },
		}),
		responses: {
			[String(route.status ?? 200)]: { description: 'Success' },
			'400': { description: 'Invalid request', ...errorResponse },
			'401': { description: 'No or unknown credentials', ...errorResponse },
			'403': { description: 'Role not allowed', ...errorResponse },
			...(route.path.includes(':') && { '404': { description: 'No such resource', ...errorResponse } }),
		},
	};
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
	if (!schema) return [];
	const json = toSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
	return Object.entries(json.properties ?? {}).map(([name, property]) => ({
		name,
		in: where,
		required: where === 'path' || (json.required ?? []).includes(name),
		schema: property,
		...(typeof property.description === 'string' && { description: property.description }),
	}));
}

function toSchema(schema: z.ZodType): JsonSchema {
	const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
	return json;
}
