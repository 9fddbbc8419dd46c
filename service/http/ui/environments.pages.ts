import type { Request, Response } from 'express';
import { z } from 'zod';
import {
	ENVIRONMENT_CLASSES,
	createEnvironment,
	deleteEnvironment,
	environmentPatchSchema,
	getEnvironmentRow,
	listEnvironments,
	n8nTarget,
	newEnvironmentSchema,
	type NewEnvironment,
	testEnvironment,
	toEnvironment,
	updateEnvironment,
} from '../../domain/environments/environments';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { rescheduled } from '../rescheduled';
import { echo, type FormErrors, parseForm, conflictMessage } from './forms';
import type { UiRoute } from './ui-route';
import { slaHourSchema } from '../../domain/drift/severity';
import { render, wantsPartial } from './views';

const draftSchema = z.object({
	name: z.string().optional(),
	baseUrl: newEnvironmentSchema.shape.baseUrl,
	apiKey: z.string().optional(),
	id: z.string().optional(),
});

const hoursField = z.coerce.number().pipe(slaHourSchema).optional();
/** The SLA hours fields of the form; those left empty keep the defaults. */
const slaFormSchema = z
	.object({ slaCritical: hoursField, slaHigh: hoursField, slaMedium: hoursField, slaLow: hoursField })
	.transform(({ slaCritical, slaHigh, slaMedium, slaLow }) =>
		Object.fromEntries(
			Object.entries({ critical: slaCritical, high: slaHigh, medium: slaMedium, low: slaLow }).filter(
				([, hours]) => hours !== undefined,
			),
		),
	);

export const environmentPages = (deps: AppDeps): UiRoute[] => {
	const showForm = (req: Request, res: Response, environmentId: string | null, errors: FormErrors, status: number) =>
		render(
			req,
			res,
			'pages/environment-form',
			{ environmentId, values: echo(req.body, ['apiKey']), errors, classes: ENVIRONMENT_CLASSES },
			{ status },
		);

	/** Saves the form, or shows it again with what was wrong (422) or the name taken (409). */
	const save = async (req: Request, res: Response, environmentId: string | null) => {
		const form = environmentId
			? parseForm(environmentPatchSchema, req.body)
			: parseForm(newEnvironmentSchema, req.body);
		const sla = parseForm(slaFormSchema, req.body);
		if (form.errors || sla.errors) return showForm(req, res, environmentId, { ...form.errors, ...sla.errors }, 422);
		const fields = { ...form.data, incidentSlaHours: sla.data };
		const change = environmentId
			? updateEnvironment(deps, auditContext(req), environmentId, fields)
			: createEnvironment(deps, auditContext(req), fields as NewEnvironment);
		const conflict = await conflictMessage(change);
		if (conflict) return showForm(req, res, environmentId, { name: conflict }, 409);
		await rescheduled(deps, undefined);
		res.redirect(303, '/environments');
	};

	return [
		{
			method: 'get',
			path: '/environments',
			permission: 'environments.read',
			handler: async (req, res) =>
				render(
					req,
					res,
					'pages/environments',
					{ environments: await listEnvironments(deps.db) },
					{ partial: 'partials/environment-list' },
				),
		},
		{
			method: 'get',
			path: '/environments/new',
			permission: 'environments.manage',
			handler: async (req, res) =>
				render(req, res, 'pages/environment-form', {
					environmentId: null,
					values: {},
					errors: {},
					classes: ENVIRONMENT_CLASSES,
				}),
		},
		{
			method: 'post',
			path: '/environments',
			permission: 'environments.manage',
			handler: (req, res) => save(req, res, null),
		},
		{
			method: 'post',
			path: '/environments/test-connection',
			permission: 'environments.manage',
			handler: async (req, res) => {
				const form = parseForm(draftSchema, req.body);
				if (form.errors)
					return render(req, res, 'partials/test-result', { result: null, error: `Base URL ${form.errors.baseUrl}` });
				const { name, baseUrl, apiKey, id } = form.data;
				const stored = id && !apiKey ? n8nTarget(deps, await getEnvironmentRow(deps.db, id)).apiKey : undefined;
				const key = apiKey ?? stored;
				if (!key)
					return render(req, res, 'partials/test-result', {
						result: null,
						error: 'Enter the API key to test the connection',
					});
				const result = await deps.n8nClient({ name: name ?? 'new environment', baseUrl, apiKey: key }).probe();
				render(req, res, 'partials/test-result', { result, error: null });
			},
		},
		{
			method: 'get',
			path: '/environments/:id/edit',
			permission: 'environments.manage',
			handler: async (req, res) => {
				const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
				render(req, res, 'pages/environment-form', {
					environmentId: environment.id,
					values: {
						name: environment.name,
						baseUrl: environment.baseUrl,
						class: environment.class,
						notes: environment.notes,
						slaCritical: String(environment.incidentSlaHours.critical),
						slaHigh: String(environment.incidentSlaHours.high),
						slaMedium: String(environment.incidentSlaHours.medium),
						slaLow: String(environment.incidentSlaHours.low),
					},
					errors: {},
					classes: ENVIRONMENT_CLASSES,
				});
			},
		},
		{
			method: 'post',
			path: '/environments/:id',
			permission: 'environments.manage',
			handler: async (req, res) => {
				await getEnvironmentRow(deps.db, String(req.params.id));
				await save(req, res, String(req.params.id));
			},
		},
		{
			method: 'post',
			path: '/environments/:id/delete',
			permission: 'environments.manage',
			handler: async (req, res) => {
				await deleteEnvironment(deps.db, auditContext(req), String(req.params.id));
				await rescheduled(deps, undefined);
				if (wantsPartial(req)) res.status(200).send('');
				else res.redirect(303, '/environments');
			},
		},
		{
			method: 'post',
			path: '/environments/:id/test',
			permission: 'environments.test',
			handler: async (req, res) => {
				const environment = await testEnvironment(deps, auditContext(req), String(req.params.id));
				if (!wantsPartial(req)) return res.redirect(303, '/environments');
				render(req, res, 'partials/test-result', { result: environment.lastTest, error: null });
			},
		},
	];
};
