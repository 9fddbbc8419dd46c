import type { PromotionStatus } from '../../db/schema';
import { conflict } from '../errors';

/**
 * Where a promotion may go from each state. A completed one is ROLLED_BACK when its rollback (a
 * promotion of its own, linked to it) completes; a FAILED one (its undo could not finish) may run
 * its undo again.
 */
export const TRANSITIONS: Record<PromotionStatus, readonly PromotionStatus[]> = {
	PENDING_APPROVAL: ['APPROVED', 'REJECTED', 'CANCELLED'],
	APPROVED: ['RUNNING', 'CANCELLED'],
	RUNNING: ['COMPLETED', 'ROLLED_BACK', 'FAILED'],
	FAILED: ['RUNNING'],
	COMPLETED: ['ROLLED_BACK'],
	ROLLED_BACK: [],
	REJECTED: [],
	CANCELLED: [],
};

const WORDS: Record<PromotionStatus, string> = {
	PENDING_APPROVAL: 'waiting for approval',
	APPROVED: 'approved',
	RUNNING: 'running',
	COMPLETED: 'completed',
	ROLLED_BACK: 'rolled back',
	FAILED: 'failed',
	REJECTED: 'rejected',
	CANCELLED: 'cancelled',
};

/** The state `to`, if a promotion in `from` may go there; else a 409 saying why not. */
export function transition(from: PromotionStatus, to: PromotionStatus, doing: string): PromotionStatus {
	if (!TRANSITIONS[from].includes(to)) throw conflict(`The promotion is ${WORDS[from]}: it cannot be ${doing}`);
	return to;
}
