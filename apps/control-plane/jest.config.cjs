// Integration tests run against the harness's real PostgreSQL (a migrated template database,
// one copy per test file), nats-server and S3-compatible server.
module.exports = {
  ...require('../../jest.preset.cjs'),
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
};
