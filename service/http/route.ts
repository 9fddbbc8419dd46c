import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AuditContext } from '../domain/audit/audit-log';
import type { Permission } from '../domain/auth/permissions';
import type { Caller } from './caller';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HandlerInput<P, Q, B> {
	params: P;
	query: Q;
	body: B;
	caller: Caller;
	audit: AuditContext;
	req: Request;
	res: Response;
}

/**
 * One JSON API route. The zod schemas validate the request (the handler receives their parsed output)
 * and are the source of the OpenAPI document. A handler returns the JSON body, or writes the response
 * itself (streams) and returns undefined.
 */
export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
	method: Method;
	path: string;
	summary: string;
	permission: Permission;
	params?: z.ZodType<P>;
	query?: z.ZodType<Q>;
	body?: z.ZodType<B>;
	status?: number;
	handler: (input: HandlerInput<P, Q, B>) => Promise<unknown>;
}

/** Declares a route with its types inferred from its schemas. */
export function apiRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
	route: ApiRoute<P, Q, B>,
): ApiRoute {
	return route as unknown as ApiRoute;
}

export const idParams = z.object({ id: z.string().min(1) });
