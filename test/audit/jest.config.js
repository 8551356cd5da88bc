// The log audit (npm test runs it after the suite): reads the server logs the suite captured, so it
// needs no local stack of its own and must never run inside the suite it audits.
const path = require('node:path');
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: path.resolve(__dirname, '../..'),
  roots: ['<rootDir>/test/audit'],
  testMatch: ['**/*.audit.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
  reporters: ['default'],
};
