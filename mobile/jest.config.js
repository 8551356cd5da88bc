/** mobile/ runs its own jest (jest-expo); the root jest only looks at ../test. */
module.exports = {
  preset: 'jest-expo',
  setupFiles: ['<rootDir>/jest.setup.ts'],
  testTimeout: 20000,
  roots: ['<rootDir>/test'],
};
