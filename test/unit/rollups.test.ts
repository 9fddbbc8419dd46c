import { DURATION_BOUNDS, errorGroup, percentile } from '../../service/domain/executions/rollups';

test('errors group by their words: ids, numbers and quoted values taken out', () => {
	expect(errorGroup('Order 1234 failed: HTTP 503 from host')).toBe('Order # failed: HTTP # from host');
	expect(errorGroup('Workflow 9f8e7d6c-1111-2222-3333-444455556666 not found')).toBe('Workflow <id> not found');
	expect(errorGroup('Record rec8XyZ12ab3 missing')).toBe('Record <id> missing');
	expect(errorGroup('Column "invoice_total" is unknown')).toBe('Column "…" is unknown');
	expect(errorGroup('timeout  after\n30s')).toBe('timeout after #s');
	expect(errorGroup('The service is unavailable')).toBe('The service is unavailable');
});

test('percentiles are read from the buckets, between their bounds, never beyond the longest seen', () => {
	const buckets = new Array(DURATION_BOUNDS.length + 1).fill(0);
	expect(percentile(buckets, 0.5, 0)).toBeNull();
	buckets[6] = 100; // 500 ms – 1 s
	expect(percentile(buckets, 0.5, 1000)).toBe(750);
	expect(percentile(buckets, 0.5, 900)).toBe(700);
	expect(percentile(buckets, 0.95, 1000)).toBe(975);
	buckets[15] = 10; // over an hour, the longest 2 h
	expect(percentile(buckets, 0.99, 7_200_000)).toBeGreaterThan(3_600_000);
	expect(percentile(buckets, 0.99, 7_200_000)).toBeLessThanOrEqual(7_200_000);
	expect(percentile([5, ...new Array(15).fill(0)], 1, 4)).toBe(4);
});
