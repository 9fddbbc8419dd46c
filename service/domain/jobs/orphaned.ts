import { sql } from 'kysely';

/**
 * Where a row's replica is not recorded: it is gone (found dead and removed), or the row dates from
 * before replicas were. Its work is nobody's until a replica takes it over (service/jobs/takeover.ts).
 */
export const ORPHANED = sql<boolean>`(replica_id is null or replica_id not in (select id from replicas))`;
