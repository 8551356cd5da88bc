/** mobile/ runs its own jest (jest-expo); the root jest only looks at ../test. */
module.exports = {
  preset: 'jest-expo',
  setupFiles: ['<rootDir>/jest.setup.ts'],
  // After the framework is installed: Testing Library's configure needs expect.
  setupFilesAfterEnv: ['<rootDir>/jest.after-env.ts'],
  testTimeout: 20000,
  roots: ['<rootDir>/test'],
  // Its own transform cache: jest's default (/tmp/jest_*) is shared with the root project's runs.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
