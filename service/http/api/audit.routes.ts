import type { Response } from 'express';
import { z } from 'zod';
import { auditExportSchema, keyIdOf, signedAuditExport, signingKey } from '../../domain/audit/audit-export';
import { verifyAuditChain } from '../../domain/audit/audit-log';
import { type AuditEntry, auditFilterSchema, exportAudit, queryAudit } from '../../domain/audit/audit-query';
import { customEntrySchema, customEntryWriter } from '../../domain/audit/custom-entries';
import { pageQuerySchema } from '../../domain/pagination';
import type { AppDeps } from '../deps';
import { apiRoute } from '../route';

const auditQuerySchema = auditFilterSchema.extend(pageQuerySchema.shape).extend({
	format: z.enum(['json', 'jsonl', 'csv']).default('json').describe('jsonl and csv stream every match as a download'),
});

export const auditRoutes = ({ db, secrets }: AppDeps) => {
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
			path: '/audit/export',
			summary:
				'Export the audit log from one time to another as JSON Lines: every entry as stored, then a manifest of that piece of the hash chain signed with the companion’s Ed25519 key (check it with `workflowops audit verify-export <file>`); audited',
			permission: 'audit.read',
			query: auditExportSchema,
			handler: async ({ query, audit, res }) => {
				await streamSignedExport(res, signedAuditExport(db, secrets, audit, query));
				return undefined;
			},
		}),
		apiRoute({
			method: 'get',
			path: '/audit/signing-key',
			summary: 'The public key that signs audit exports, and its fingerprint (keyId), to check an export was made here',
			permission: 'audit.read',
			handler: async () => {
				const { publicKey } = await signingKey(db, secrets);
				return { publicKey, keyId: keyIdOf(publicKey) };
			},
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

/** Writes entries as they are read, as JSON Lines or CSV. */
export async function streamExport(
	res: Response,
	format: 'jsonl' | 'csv',
	entries: AsyncIterable<AuditEntry>,
): Promise<void> {
	const stamp = new Date().toISOString().slice(0, 10);
	await streamLines(
		res,
		`workflowops-audit-${stamp}.${format}`,
		format === 'csv' ? 'text/csv' : 'application/x-ndjson',
		{
			async *[Symbol.asyncIterator]() {
				if (format === 'csv') yield CSV_COLUMNS.join(',') + '\r\n';
				for await (const entry of entries) yield format === 'csv' ? csvLine(entry) : JSON.stringify(entry) + '\n';
			},
		},
	);
}

/** Sends a signed export as a download. */
export function streamSignedExport(res: Response, lines: AsyncIterable<string>): Promise<void> {
	const stamp = new Date().toISOString().slice(0, 10);
	return streamLines(res, `workflowops-audit-${stamp}.signed.jsonl`, 'application/x-ndjson', lines);
}

/** Sends lines as a download as they come, waiting for the client to drain; stops if the client goes away. */
async function streamLines(res: Response, filename: string, type: string, lines: AsyncIterable<string>): Promise<void> {
	res.status(200);
	res.attachment(filename);
	res.type(`${type}; charset=utf-8`);
	for await (const line of lines) {
		if (res.destroyed) return;
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
