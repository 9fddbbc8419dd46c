import { isAllowed, nextAllowed, type SyncWindow, windowSchema } from '../../service/domain/promotions/windows';

const window = (fields: Partial<SyncWindow> & Pick<SyncWindow, 'kind' | 'schedule' | 'duration'>): SyncWindow =>
	windowSchema.parse(fields);
const at = (iso: string) => new Date(iso);

// Weekdays 09:00–17:00 in Berlin; a freeze on Friday from 15:00 for 3 days, in New York time.
const officeHours = window({ kind: 'allow', schedule: '0 9 * * 1-5', duration: '8h', timeZone: 'Europe/Berlin' });
const weekendFreeze = window({ kind: 'deny', schedule: '0 15 * * 5', duration: '72h', timeZone: 'America/New_York' });

test('no window: always allowed', () => {
	expect(isAllowed([], at('2026-12-25T03:00:00Z'))).toBe(true);
	expect(nextAllowed([], at('2026-12-25T03:00:00Z'))).toEqual(at('2026-12-25T03:00:00Z'));
});

test('an allow window is read in its own time zone, across a daylight-saving change', () => {
	// Winter: Berlin is UTC+1, so 09:00 there is 08:00Z; summer (after 29 March): UTC+2, 07:00Z.
	expect(isAllowed([officeHours], at('2026-03-27T08:00:00Z'))).toBe(true);
	expect(isAllowed([officeHours], at('2026-03-27T07:59:00Z'))).toBe(false);
	expect(isAllowed([officeHours], at('2026-03-30T07:00:00Z'))).toBe(true);
	expect(isAllowed([officeHours], at('2026-03-30T15:00:00Z'))).toBe(false);
	expect(isAllowed([officeHours], at('2026-03-28T10:00:00Z'))).toBe(false); // a Saturday
});

test('outside every allow window, the next allowed time is the next opening', () => {
	expect(nextAllowed([officeHours], at('2026-03-27T18:00:00Z'))).toEqual(at('2026-03-30T07:00:00Z'));
});

test('a deny window wins over an allow window open at the same time, and ends when its duration does', () => {
	// Friday 15:00 in New York (UTC-4 in April) is 19:00Z; office hours in Berlin end at 15:00Z.
	const lateOffice = window({ kind: 'allow', schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC' });
	expect(isAllowed([lateOffice, weekendFreeze], at('2026-04-03T18:59:00Z'))).toBe(true);
	expect(isAllowed([lateOffice, weekendFreeze], at('2026-04-03T19:00:00Z'))).toBe(false);
	expect(nextAllowed([lateOffice, weekendFreeze], at('2026-04-04T12:00:00Z'))).toEqual(at('2026-04-06T19:00:00Z'));
	// With office hours as the only allow window, the freeze ends Monday 19:00Z, after office hours:
	// the next allowed time is Tuesday 09:00 in Berlin.
	expect(nextAllowed([officeHours, weekendFreeze], at('2026-04-04T12:00:00Z'))).toEqual(at('2026-04-07T07:00:00Z'));
});

test('a window that never lets anything through within a year gives no next time', () => {
	const always = window({ kind: 'deny', schedule: '0 0 * * *', duration: '24h' });
	expect(nextAllowed([always], at('2026-06-01T00:00:00Z'))).toBeNull();
});

test('bad windows are refused with what is wrong', () => {
	const problems = (fields: object) =>
		windowSchema.safeParse(fields).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
	expect(problems({ kind: 'allow', schedule: '0 9 * *', duration: '8h' })).toEqual([
		'schedule: must be a cron expression of 5 fields, e.g. "0 9 * * 1-5"',
	]);
	expect(problems({ kind: 'allow', schedule: '0 9 * * *', duration: '8 hours', timeZone: 'Mars/Base' })).toEqual([
		'duration: must be hours and minutes, e.g. "8h" or "1h30m"',
		'timeZone: must be an IANA time zone, e.g. "Europe/Berlin"',
	]);
	expect(problems({ kind: 'allow', schedule: '0 9 * * *', duration: '0m' })).toEqual([
		'duration: must be hours and minutes, e.g. "8h" or "1h30m"',
	]);
});
