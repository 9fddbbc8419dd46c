import type { Analytics } from './analytics';

export const CSV_TABLES = ['workflows', 'trend', 'cost', 'errors'] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

const cell = (value: unknown) => {
	const text = value === null || value === undefined ? '' : String(value);
	// Quoted where needed, and never read as a formula by a spreadsheet.
	const safe = /^[=+\-@\t\r]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
	return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

const csv = (header: string[], rows: unknown[][]) =>
	[header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';

/** One table of the analytics as CSV (RFC 4180), for a spreadsheet. */
export function analyticsCsv(analytics: Analytics, table: CsvTable): string {
	switch (table) {
		case 'workflows':
			return csv(
				[
					'environment',
					'workflow_id',
					'workflow',
					'total',
					'succeeded',
					'failed',
					'success_rate',
					'average_ms',
					'p50_ms',
					'p95_ms',
					'max_ms',
					'cost',
					'currency',
					'time_saved_minutes',
				],
				analytics.workflows.map((w) => [
					w.environmentName,
					w.workflowId,
					w.workflowName,
					w.total,
					w.succeeded,
					w.failed,
					w.successRate,
					w.averageMs,
					w.p50Ms,
					w.p95Ms,
					w.maxMs,
					w.cost,
					w.currency,
					w.timeSavedMinutes,
				]),
			);
		case 'trend':
			return csv(
				['at', 'total', 'failed', 'p50_ms', 'p95_ms'],
				analytics.trend.map((t) => [t.at, t.total, t.failed, t.p50Ms, t.p95Ms]),
			);
		case 'cost':
			return csv(
				['day', 'currency', 'cost', 'time_saved_minutes'],
				analytics.costPerDay.map((c) => [c.day, c.currency, c.cost, c.timeSavedMinutes]),
			);
		case 'errors':
			return csv(
				['error', 'count', 'workflows', 'last_at', 'example'],
				analytics.errors.map((e) => [e.message, e.count, e.workflows, e.lastAt, e.example]),
			);
	}
}
