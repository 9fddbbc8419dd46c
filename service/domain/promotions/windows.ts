import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?$/;

const validTimeZone = (timeZone: string) => {
	try {
		new Intl.DateTimeFormat('en', { timeZone });
		return true;
	} catch {
		return false;
	}
};

const validCron = (schedule: string) => {
	try {
		CronExpressionParser.parse(schedule);
		return schedule.trim().split(/\s+/).length === 5;
	} catch {
		return false;
	}
};

/** When promotions may run (allow) or may not (deny): from each start of `schedule`, for `duration`. */
export const windowSchema = z
	.object({
		kind: z.enum(['allow', 'deny']),
		schedule: z
			.string()
			.trim()
			.refine(validCron, 'must be a cron expression of 5 fields, e.g. "0 9 * * 1-5"')
			.describe('when the window opens (minute hour day month weekday)'),
		duration: z
			.string()
			.trim()
			.refine(
				(value) => DURATION.test(value) && value !== '' && minutes(value) > 0,
				'must be hours and minutes, e.g. "8h" or "1h30m"',
			)
			.describe('how long it stays open, e.g. "8h", "90m", "1h30m"'),
		timeZone: z
			.string()
			.trim()
			.default('UTC')
			.refine(validTimeZone, 'must be an IANA time zone, e.g. "Europe/Berlin"')
			.describe('the time zone the schedule is read in'),
	})
	.strict();
export type SyncWindow = z.infer<typeof windowSchema>;

const minutes = (duration: string) => {
	const [, hours = '0', mins = '0'] = DURATION.exec(duration) ?? [];
	return Number(hours) * 60 + Number(mins);
};

/** The last time `window` opened at or before `at`, and when that opening closes. */
function lastOpening(window: SyncWindow, at: Date): { start: Date; end: Date } {
	const schedule = CronExpressionParser.parse(window.schedule, {
		currentDate: new Date(at.getTime() + 1000),
		tz: window.timeZone,
	});
	const start = schedule.prev().toDate();
	return { start, end: new Date(start.getTime() + minutes(window.duration) * 60_000) };
}

const isOpen = (window: SyncWindow, at: Date) => at < lastOpening(window, at).end;

const nextOpening = (window: SyncWindow, after: Date) =>
	CronExpressionParser.parse(window.schedule, { currentDate: after, tz: window.timeZone }).next().toDate();

/**
 * Argo CD's sync-window rule: with no window, always; with allow windows, only inside one; a deny
 * window open at that time wins over any allow window.
 */
export function isAllowed(windows: SyncWindow[], at: Date): boolean {
	if (windows.some((window) => window.kind === 'deny' && isOpen(window, at))) return false;
	const allows = windows.filter((window) => window.kind === 'allow');
	return !allows.length || allows.some((window) => isOpen(window, at));
}

const HORIZON_MS = 366 * 24 * 3_600_000;
const MAX_STEPS = 10_000;

/**
 * The first time at or after `from` when the windows allow a promotion, stepping from one window edge
 * to the next; null when there is none within a year.
 */
export function nextAllowed(windows: SyncWindow[], from: Date): Date | null {
	let at = from;
	for (let step = 0; step < MAX_STEPS && at.getTime() - from.getTime() <= HORIZON_MS; step++) {
		if (isAllowed(windows, at)) return at;
		const edges = windows
			.map((window) => (isOpen(window, at) ? lastOpening(window, at).end : nextOpening(window, at)).getTime())
			.filter((edge) => edge > at.getTime());
		if (!edges.length) return null;
		at = new Date(Math.min(...edges));
	}
	return null;
}
