import { runClaims } from '../../service/jobs/run-claims';
import { tempDatabase } from '../support/temp-db';

test('a tick is run by the first process to claim it; claims older than a day go as new ones come', async () => {
	const { db, remove } = await tempDatabase();
	try {
		let now = new Date('2026-11-30T10:00:00Z');
		const [one, other] = [runClaims(db, () => now), runClaims(db, () => now)];
		expect(await one.shouldRun('health:2026-11-30T10:00:00.000Z', 0)).toBe(true);
		expect(await other.shouldRun('health:2026-11-30T10:00:00.000Z', 0)).toBe(false);
		now = new Date('2026-11-30T10:05:00Z');
		expect(await other.shouldRun('health:2026-11-30T10:05:00.000Z', 0)).toBe(true);
		expect(await one.shouldRun('sla:2026-11-30T10:05:00.000Z', 0)).toBe(true);

		now = new Date('2026-12-01T10:04:00Z');
		expect(await one.shouldRun('health:2026-12-01T10:04:00.000Z', 0)).toBe(true);
		const kept = await db.selectFrom('schedule_runs').select('key').orderBy('key').execute();
		expect(kept.map((claim) => claim.key)).toEqual([
			'health:2026-11-30T10:05:00.000Z',
			'health:2026-12-01T10:04:00.000Z',
			'sla:2026-11-30T10:05:00.000Z',
		]);
	} finally {
		await remove();
	}
});
