// Tests are type-checked and compiled by tsc (make build) and jest runs the emitted ESM, so there is
// one compiler and no transform layer to drift from it.
export default {
  rootDir: 'build',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  testEnvironment: 'node',
  transform: {},
  globalSetup: '<rootDir>/test/harness/global-setup.js',
  globalTeardown: '<rootDir>/test/harness/global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 2,
};
