/** Each folder of test/ is a project; `npm test` runs the fast ones, `npm run test:e2e` the real-n8n suite. */
// Transpile only (isolatedModules in tsconfig.json): `npm run typecheck` checks the types once.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const project = (name, extra = {}) => ({
	displayName: name,
	testEnvironment: 'node',
	transform,
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	...extra,
});

module.exports = {
	projects: [project('unit'), project('api'), project('nodes'), project('browser'), project('e2e')],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
