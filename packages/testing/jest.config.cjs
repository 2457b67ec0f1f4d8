// The harness tests itself the way an app uses it: one set of services per jest run,
// started by test/global-setup.ts and checked for leftovers by test/global-teardown.ts.
module.exports = {
  ...require('../../jest.preset.cjs'),
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 30_000,
};
