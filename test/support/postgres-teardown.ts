import type { PostgresServer } from './postgres-server';

export default async function tearDownPostgres(): Promise<void> {
	(globalThis as { postgresServer?: PostgresServer }).postgresServer?.stop();
}
