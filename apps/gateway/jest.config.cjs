// Integration tests run against the harness's real nats-server.
module.exports = {
  ...require('../../jest.preset.cjs'),
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
};
