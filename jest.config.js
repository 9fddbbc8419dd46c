/** Each folder of test/ is a project; `npm test` runs the fast ones, `npm run test:e2e` the real-n8n suite. */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
const project = (name, extra = {}) => ({
	displayName: name,
	testEnvironment: 'node',
	transform,
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	...extra,
});

module.exports = {
	projects: [
		project('unit'),
		project('api'),
		project('nodes'),
		project('browser', { testTimeout: 60_000 }),
		project('e2e', { testTimeout: 600_000 }),
	],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
