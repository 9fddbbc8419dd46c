import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { sql } from 'kysely';
import type { Db } from '../../db/database';

/**
 * express-rate-limit's counts of failed sign-ins, kept in the database so that every replica counts
 * the same ones. Counts whose window has passed are removed as new ones come, once a minute at most.
 */
export class LoginAttempts implements Store {
	readonly localKeys = false;
	private windowMs = 60_000;
	private prunedAt = 0;

	constructor(
		private readonly db: Db,
		readonly prefix: string,
	) {}

	init(options: Options): void {
		this.windowMs = options.windowMs;
	}

	async get(key: string): Promise<ClientRateLimitInfo | undefined> {
		const row = await this.db
			.selectFrom('login_attempts')
			.select(['hits', 'reset_at'])
			.where('key', '=', this.prefix + key)
			.where('reset_at', '>', new Date().toISOString())
			.executeTakeFirst();
		return row && { totalHits: row.hits, resetTime: new Date(row.reset_at) };
	}

	async increment(key: string): Promise<ClientRateLimitInfo> {
		const now = new Date();
		const current = now.toISOString();
		const expired = sql<boolean>`login_attempts.reset_at <= ${current}`;
		const row = await this.db
			.insertInto('login_attempts')
			.values({ key: this.prefix + key, hits: 1, reset_at: new Date(now.getTime() + this.windowMs).toISOString() })
			.onConflict((oc) =>
				oc.column('key').doUpdateSet({
					hits: sql`case when ${expired} then 1 else login_attempts.hits + 1 end`,
					reset_at: sql`case when ${expired} then excluded.reset_at else login_attempts.reset_at end`,
				}),
			)
			.returning(['hits', 'reset_at'])
			.executeTakeFirstOrThrow();
		if (now.getTime() - this.prunedAt > 60_000) {
			this.prunedAt = now.getTime();
			await this.db.deleteFrom('login_attempts').where('reset_at', '<=', current).execute();
		}
		return { totalHits: row.hits, resetTime: new Date(row.reset_at) };
	}

	async decrement(key: string): Promise<void> {
		await this.db
			.updateTable('login_attempts')
			.set({ hits: sql`hits - 1` })
			.where('key', '=', this.prefix + key)
			.where('hits', '>', 0)
			.execute();
	}

	async resetKey(key: string): Promise<void> {
		await this.db
			.deleteFrom('login_attempts')
			.where('key', '=', this.prefix + key)
			.execute();
	}
}
