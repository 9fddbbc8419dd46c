import { z } from 'zod';
import { signedAuditExport } from '../../domain/audit/audit-export';
import { verifyAuditChain } from '../../domain/audit/audit-log';
import { auditNames } from '../../domain/audit/audit-names';
import { auditFilterSchema, exportAudit, queryAudit } from '../../domain/audit/audit-query';
import { listEnvironments } from '../../domain/environments/environments';
import { pageQuerySchema } from '../../domain/pagination';
import { streamExport, streamSignedExport } from '../api/audit.routes';
import { auditContext } from '../caller';
import type { AppDeps } from '../deps';
import { filterValues, parseForm } from './forms';
import type { UiRoute } from './ui-route';
import { render, wantsPartial } from './views';

const localTime = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/, 'must be a date and time')
	.transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : `${value}Z`).toISOString());

/** The audit page's filter form: the API's filters, with date-time inputs read as UTC. */
const auditFormSchema = auditFilterSchema
	.extend({ from: localTime.optional(), to: localTime.optional() })
	.extend(pageQuerySchema.shape);

export const auditPages = ({ db, secrets }: AppDeps): UiRoute[] => [
	{
		method: 'get',
		path: '/audit',
		permission: 'audit.read',
		handler: async (req, res) => {
			const form = parseForm(auditFormSchema, req.query);
			const filters = filterValues(req.query);
			// The environment picker is the full page's only: a filtered table (htmx) goes without it.
			const environments = wantsPartial(req) ? [] : await listEnvironments(db);
			if (form.errors) {
				return render(
					req,
					res,
					'pages/audit',
					{ page: { data: [], nextCursor: null }, names: new Map(), environments, filters, errors: form.errors },
					{ partial: 'partials/audit-table', status: 422 },
				);
			}
			const { limit, cursor, ...filter } = form.data;
			const page = await queryAudit(db, filter, limit, cursor);
			const names = await auditNames(db, page.data);
			render(
				req,
				res,
				'pages/audit',
				{ page, names, environments, filters, errors: {} },
				{ partial: 'partials/audit-table' },
			);
		},
	},
	{
		method: 'get',
		path: '/audit/export',
		permission: 'audit.read',
		handler: async (req, res) => {
			const form = parseForm(
				auditFormSchema.extend({ format: z.enum(['csv', 'jsonl', 'signed']).default('csv') }),
				req.query,
			);
			if (form.errors) return res.redirect(303, '/audit');
			const { limit: _limit, cursor: _cursor, format, ...filter } = form.data;
			if (format !== 'signed') return streamExport(res, format, exportAudit(db, filter));
			const range = { from: filter.from, to: filter.to };
			await streamSignedExport(res, signedAuditExport(db, secrets, auditContext(req), range));
		},
	},
	{
		method: 'get',
		path: '/audit/verify',
		permission: 'audit.read',
		handler: async (req, res) => render(req, res, 'partials/verify-result', { result: await verifyAuditChain(db) }),
	},
];
