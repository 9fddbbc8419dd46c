import type { RequestHandler } from 'express';
import { DomainError } from '../domain/errors';

/** Deeper than anything this API takes (audit metadata included); deep enough for any real workflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses a parsed body nested deeper than `maxDepth` (400): hashing, canonicalising or storing it
 * would otherwise recurse that deep.
 */
export function limitNesting(maxDepth: number): RequestHandler {
	return (req, _res, next) => {
		if (depthExceeds(req.body, maxDepth))
			throw new DomainError('invalid_request', `The request body is nested deeper than ${maxDepth} levels`);
		next();
	};
}

function depthExceeds(value: unknown, maxDepth: number): boolean {
	const stack: Array<[unknown, number]> = [[value, 0]];
	while (stack.length) {
		const [current, depth] = stack.pop()!;
		if (typeof current !== 'object' || current === null) continue;
		if (depth >= maxDepth) return true;
		for (const child of Object.values(current)) stack.push([child, depth + 1]);
	}
	return false;
}
