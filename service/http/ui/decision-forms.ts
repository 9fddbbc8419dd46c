import type { Request, Response } from 'express';
import { z } from 'zod';
import { type Decision, decisionSchema, rejectionSchema } from '../../domain/approvals/decisions';
import { parseForm, userFacingError } from './forms';
import type { UiRoute } from './ui-route';

// A form also carries its CSRF field: the API's schemas, without their strictness.
export const decisionForm = z.object(decisionSchema.shape);
export const rejectionForm = z.object(rejectionSchema.shape);

type Show = (req: Request, res: Response, error: { status: number; message: string }) => Promise<void>;

/**
 * The POST of an approve, reject or cancel form (promotions and operation requests alike): the change,
 * then back to the page at `pageOf(req)`, or the page shown again with why it was refused.
 */
export const decisionPost =
	(show: Show, pageOf: (req: Request) => string) =>
	(
		change: (req: Request, form: Decision) => Promise<unknown>,
		schema: z.ZodType<Decision> = decisionForm,
	): UiRoute['handler'] =>
	async (req, res) => {
		const form = parseForm(schema, req.body);
		if (form.errors) return show(req, res, { status: 422, message: `Comment ${Object.values(form.errors)[0]}` });
		try {
			await change(req, form.data);
		} catch (error) {
			return show(req, res, userFacingError(req, error));
		}
		res.redirect(303, pageOf(req));
	};
