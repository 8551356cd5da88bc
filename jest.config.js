// Node 20 support is documented in the README; the SDK's per-process notice only adds noise to test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Sources import './x.js' (Node's ESM-style resolution); jest resolves the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  // CommonJS packages that require ESM-only ones (jest cannot load those on Node 20):
  // @fastify/static -> content-disposition, light-my-request -> cookie; our photo processing -> thumbhash.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|thumbhash)/)'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
  testTimeout: 30000,
  maxWorkers: 2,
};
