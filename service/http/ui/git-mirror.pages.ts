import type { Request, Response } from 'express';
import { getEnvironmentRow, toEnvironment } from '../../domain/environments/environments';
import {
	deleteGitMirror,
	getGitMirror,
	gitMirrorSchema,
	setGitMirror,
	testGitMirror,
} from '../../domain/environments/git-mirror';
import { DomainError } from '../../domain/errors';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { echo, type FormErrors, parseForm, userFacingError } from './forms';
import type { UiRoute } from './ui-route';
import { render } from './views';

/** The environment's GitHub mirror: set it up or change it (the token never shown), test it, remove it. */
export const gitMirrorPages = (deps: AppDeps): UiRoute[] => {
	const show = async (
		req: Request,
		res: Response,
		values: Record<string, string> | null,
		errors: FormErrors,
		options: { status?: number; saved?: boolean } = {},
	) => {
		const environment = toEnvironment(await getEnvironmentRow(deps.db, String(req.params.id)));
		const mirror = await getGitMirror(deps.db, environment.id);
		const stored = mirror && { ...mirror, pathPrefix: mirror.pathPrefix.replace(/\/$/, '') };
		render(
			req,
			res,
			'pages/git-mirror',
			{
				environment,
				mirror,
				values: values ?? stored ?? { apiUrl: 'https://api.github.com', branch: 'main' },
				errors,
				saved: options.saved,
			},
			{ status: options.status },
		);
	};

	return [
		{
			method: 'get',
			path: '/environments/:id/git',
			permission: 'environments.manage',
			handler: (req, res) => show(req, res, null, {}),
		},
		{
			method: 'post',
			path: '/environments/:id/git',
			permission: 'environments.manage',
			handler: async (req, res) => {
				const form = parseForm(gitMirrorSchema, req.body);
				if (form.errors) return show(req, res, echo(req.body, ['token']), form.errors, { status: 422 });
				try {
					await setGitMirror(deps, auditContext(req), String(req.params.id), form.data);
				} catch (error) {
					if (!(error instanceof DomainError && error.code === 'invalid_request')) throw error;
					const [field, message] = error.message.split(': ');
					return show(req, res, echo(req.body, ['token']), { [field]: message }, { status: 422 });
				}
				await show(req, res, null, {}, { saved: true });
			},
		},
		{
			method: 'post',
			path: '/environments/:id/git/test',
			permission: 'environments.test',
			handler: async (req, res) => {
				try {
					render(req, res, 'partials/test-result', {
						result: await testGitMirror(deps, String(req.params.id)),
						error: null,
					});
				} catch (error) {
					const { status, message } = userFacingError(req, error);
					render(req, res, 'partials/test-result', { result: null, error: message }, { status });
				}
			},
		},
		{
			method: 'post',
			path: '/environments/:id/git/delete',
			permission: 'environments.manage',
			handler: async (req, res) => {
				await deleteGitMirror(deps.db, auditContext(req), String(req.params.id));
				res.redirect(303, `/environments/${String(req.params.id)}/git`);
			},
		},
	];
};
