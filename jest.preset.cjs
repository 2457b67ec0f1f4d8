// Shared jest settings: TypeScript through SWC (decorator metadata on), native ESM,
// and workspace packages consumed from source through the "@weft/source" condition.
module.exports = {
  testEnvironment: 'node',
  // Read by scripts/test-all.mjs to print the closing "N passed, N failed" line.
  reporters: ['default', ['<rootDir>/../../scripts/jest-summary-reporter.cjs', {}]],
  extensionsToTreatAsEsm: ['.ts'],
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironmentOptions: { customExportConditions: ['@weft/source', 'node', 'node-addons'] },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
};
