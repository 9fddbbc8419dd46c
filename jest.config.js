/**
 * Each folder of test/ is a project; `npm test` runs the fast ones, `npm run test:e2e` the real-n8n suite.
 * A project named <folder>-pg runs that folder again on PostgreSQL: one cluster for the run
 * (test/support/postgres-setup.ts), a database per companion.
 */
// Transpile only (isolatedModules in tsconfig.json): `npm run typecheck` checks the types once.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const project = (name, extra = {}) => ({
	displayName: name,
	testEnvironment: 'node',
	transform,
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	...extra,
});
const onPostgres = (name, testMatch, notYet) =>
	project(`${name}-pg`, {
		testMatch,
		testPathIgnorePatterns: ['/node_modules/', ...notYet.map((suite) => `/test/${name}/${suite}\\.test\\.ts$`)],
		globalSetup: '<rootDir>/test/support/postgres-setup.ts',
		globalTeardown: '<rootDir>/test/support/postgres-teardown.ts',
		setupFiles: ['<rootDir>/test/support/use-postgres.ts'],
	});

module.exports = {
	projects: [
		project('unit'),
		project('api'),
		project('nodes'),
		project('browser'),
		// The selected n8n versions are installed first (once per machine), outside every test's timeout.
		project('e2e', { globalSetup: '<rootDir>/test/e2e/harness/global-setup.ts' }),
		onPostgres('unit', ['<rootDir>/test/unit/**/*.test.ts'], []),
		onPostgres('nodes', ['<rootDir>/test/nodes/**/*.test.ts'], []),
		onPostgres('browser', ['<rootDir>/test/browser/**/*.test.ts'], []),
		// The harness's own test starts no companion.
		onPostgres('e2e', ['<rootDir>/test/e2e/**/*.test.ts'], ['harness.e2e']),
		onPostgres(
			'api',
			['<rootDir>/test/api/**/*.test.ts'],
			// Backup and restore of the SQLite file: PostgreSQL is backed up with pg_dump.
			['backup'],
		),
	],
	// A guard against hangs, not a measure of speed: a full run shares two cores with n8n and PostgreSQL.
	testTimeout: 30_000,
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
