import { sql } from 'kysely';
import { connectPostgres, migrateToLatest } from '../../service/db/database';
import { databaseUrl, type PostgresServer, startPostgresServer, TEMPLATE_DATABASE } from './postgres-server';

/**
 * Jest globalSetup of the PostgreSQL projects: one cluster for the run, and a migrated template that
 * each test's database is copied from (CREATE DATABASE … TEMPLATE, far faster than migrating).
 */
export default async function setUpPostgres(): Promise<void> {
	const server = await startPostgresServer();
	const admin = connectPostgres(server.url, { max: 1 });
	await sql`create database ${sql.id(TEMPLATE_DATABASE)}`.execute(admin);
	await admin.destroy();
	const template = connectPostgres(databaseUrl(server.url, TEMPLATE_DATABASE), { max: 1 });
	await migrateToLatest(template);
	await template.destroy();
	process.env.WORKFLOWOPS_TEST_POSTGRES_URL = server.url;
	(globalThis as { postgresServer?: PostgresServer }).postgresServer = server;
}
