/**
 * @jest-environment node
 */
// Plain JS: it needs Node's fs and child_process, and the app's tsconfig deliberately has no Node
// types (code that leans on Buffer or fs would type-check and then fail on a phone).
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

// src/api/schema.ts is generated from openapi.json (`npm run api:types`); the app compiles against it,
// so a document that changed without regenerating would let the app call shapes the server no longer has.
test('src/api/schema.ts is what `npm run api:types` makes from openapi.json', () => {
  const root = join(__dirname, '..', '..');
  const expected = execFileSync(process.execPath, [join(root, 'scripts', 'api-types.mjs'), '--stdout'], { encoding: 'utf8' });
  const actual = readFileSync(join(root, 'src', 'api', 'schema.ts'), 'utf8');
  expect(expected.length).toBeGreaterThan(1000);
  // A plain toEqual would print two 5000-line files; say what to do instead.
  if (actual !== expected) throw new Error('src/api/schema.ts is stale: run `npm run api:types` in mobile/ and commit it');
});
