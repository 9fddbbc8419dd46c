import type { Response } from 'express';
import { z } from 'zod';
import { verifyAuditChain } from '../../domain/audit/audit-log';
import { type AuditEntry, auditFilterSchema, exportAudit, queryAudit } from '../../domain/audit/audit-query';
import { customEntrySchema, customEntryWriter } from '../../domain/audit/custom-entries';
import { pageQuerySchema } from '../../domain/pagination';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';

const auditQuerySchema = auditFilterSchema.extend(pageQuerySchema.shape).extend({
	format: z.enum(['json', 'jsonl', 'csv']).default('json').describe('jsonl and csv stream every match as a download'),
});

export const auditRoutes = ({ db }: AppDeps) => {
	const appendCustomEntry = customEntryWriter(db);
	return [
		apiRoute({
			method: 'get',
			path: '/audit',
			summary: 'Query the audit log, newest first; or export it (oldest first) as JSON Lines or CSV',
			permission: 'audit.read',
			query: auditQuerySchema,
			handler: async ({ query, res }) => {
				const { limit, cursor, format, ...filter } = query;
				if (format === 'json') return queryAudit(db, filter, limit, cursor);
				await streamExport(res, format, exportAudit(db, filter));
				return undefined;
			},
		}),
		apiRoute({
			method: 'post',
			path: '/audit',
			summary: 'Append a custom entry, stored under the action custom.<action>',
			permission: 'audit.write',
			body: customEntrySchema,
			status: 201,
			handler: async ({ body, audit }) => appendCustomEntry(audit, body),
		}),
		apiRoute({
			method: 'get',
			path: '/audit/verify',
			summary: 'Check the hash chain: every entry present, unaltered and linked to the one before',
			permission: 'audit.read',
			handler: async () => verifyAuditChain(db),
		}),
	];
};

export const CSV_COLUMNS = [
	'id',
	'at',
	'actor_type',
	'actor_id',
	'actor_name',
	'n8n_workflow_id',
	'n8n_execution_id',
	'action',
	'resource_type',
	'resource_id',
	'environment_id',
	'metadata',
	'ip',
	'user_agent',
	'prev_hash',
	'hash',
] as const;

/** Writes entries as they are read, waiting for the client to drain; stops if the client goes away. */
export async function streamExport(
	res: Response,
	format: 'jsonl' | 'csv',
	entries: AsyncIterable<AuditEntry>,
): Promise<void> {
	const stamp = new Date().toISOString().slice(0, 10);
	res.status(200);
	res.attachment(`workflowops-audit-${stamp}.${format}`);
	res.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
	if (format === 'csv') res.write(CSV_COLUMNS.join(',') + '\r\n');
	for await (const entry of entries) {
		if (res.destroyed) return;
		const line = format === 'csv' ? csvLine(entry) : JSON.stringify(entry) + '\n';
		if (!res.write(line)) await drainedOrClosed(res);
	}
	res.end();
}

function drainedOrClosed(res: Response): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done).off('close', done);
			resolve();
		};
		res.once('drain', done).once('close', done);
	});
}

function csvLine(entry: AuditEntry): string {
	const values = [
		entry.id,
		entry.at,
		entry.actor.type,
		entry.actor.id,
		entry.actor.name,
		entry.n8n?.workflowId,
		entry.n8n?.executionId,
		entry.action,
		entry.resourceType,
		entry.resourceId,
		entry.environmentId,
		JSON.stringify(entry.metadata),
		entry.ip,
		entry.userAgent,
		entry.prevHash,
		entry.hash,
	];
	return values.map(csvField).join(',') + '\r\n';
}

function csvField(value: string | number | null | undefined): string {
	let text = value === null || value === undefined ? '' : String(value);
	// A leading =, +, - or @ would run as a formula in a spreadsheet.
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
