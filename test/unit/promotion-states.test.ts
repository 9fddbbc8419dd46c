import type { PromotionStatus } from '../../service/db/schema';
import { TRANSITIONS, transition } from '../../service/domain/promotions/states';

const ALL = Object.keys(TRANSITIONS) as PromotionStatus[];

test('the allowed transitions, as a table', () => {
	expect(TRANSITIONS).toEqual({
		PENDING_APPROVAL: ['APPROVED', 'REJECTED', 'CANCELLED'],
		APPROVED: ['RUNNING', 'CANCELLED'],
		RUNNING: ['COMPLETED', 'ROLLED_BACK', 'FAILED'],
		FAILED: ['RUNNING'],
		COMPLETED: ['ROLLED_BACK'],
		ROLLED_BACK: [],
		REJECTED: [],
		CANCELLED: [],
	});
});

test.each(ALL.flatMap((from) => ALL.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
	if (TRANSITIONS[from].includes(to)) expect(transition(from, to, 'moved')).toBe(to);
	else expect(() => transition(from, to, 'moved')).toThrow(/^The promotion is [a-z ]+: it cannot be moved$/);
});

test('every state is reachable from a request, and every path ends', () => {
	const reached = new Set<PromotionStatus>(['PENDING_APPROVAL', 'APPROVED']);
	for (let grew = true; grew;) {
		grew = false;
		for (const from of [...reached])
			for (const to of TRANSITIONS[from])
				if (!reached.has(to)) {
					reached.add(to);
					grew = true;
				}
	}
	expect([...reached].sort()).toEqual([...ALL].sort());
	const terminal = ALL.filter((state) => TRANSITIONS[state].length === 0);
	expect(terminal.sort()).toEqual(['CANCELLED', 'REJECTED', 'ROLLED_BACK']);
});
