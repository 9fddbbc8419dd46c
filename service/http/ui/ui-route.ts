import type { Request, Response } from 'express';
import type { Permission } from '../../domain/auth/permissions';

/** One admin UI route; `permission: null` marks the pages anyone may open (sign-in, owner set-up). */
export interface UiRoute {
	method: 'get' | 'post';
	path: string;
	permission: Permission | null;
	handler: (req: Request, res: Response) => Promise<void>;
}
