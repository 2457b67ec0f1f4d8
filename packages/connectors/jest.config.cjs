// Integration tests run against the harness's real PostgreSQL and S3-compatible server.
module.exports = {
  ...require('../../jest.preset.cjs'),
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 30_000,
};
