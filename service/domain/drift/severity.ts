import { z } from 'zod';
import type { EnvironmentClass, EnvironmentRow, Severity } from '../../db/schema';
import type { Risk } from '../workflows/risk';

/** An incident's severity: the highest risk of its drift, weighed by where it happened. */
export const SEVERITY: Record<Risk, Record<EnvironmentClass, Severity>> = {
	HIGH: { prod: 'critical', staging: 'high', dev: 'medium' },
	MEDIUM: { prod: 'high', staging: 'medium', dev: 'low' },
	LOW: { prod: 'medium', staging: 'low', dev: 'low' },
};

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** Hours to resolve an incident of each severity, unless the environment sets its own. */
const DEFAULT_SLA_HOURS: Record<Severity, number> = { critical: 24, high: 48, medium: 72, low: 168 };

export const slaHourSchema = z
	.number()
	.int()
	.min(1, 'must be at least 1 hour')
	.max(8760, 'must be at most a year (8760 hours)');
export const slaHoursSchema = z
	.object({ critical: slaHourSchema, high: slaHourSchema, medium: slaHourSchema, low: slaHourSchema })
	.partial()
	.strict()
	.describe('hours to resolve an incident, per severity; the ones left out keep their defaults (24/48/72/168)');

export function slaHours(environment: Pick<EnvironmentRow, 'incident_sla_hours'>): Record<Severity, number> {
	const own = environment.incident_sla_hours
		? (JSON.parse(environment.incident_sla_hours) as Partial<Record<Severity, number>>)
		: {};
	return { ...DEFAULT_SLA_HOURS, ...own };
}

export const moreSevere = (a: Severity, b: Severity): Severity =>
	SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
