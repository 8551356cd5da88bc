import { photoIdsBody } from '../../src/schemas/albums.js';
import { createLinkBody, DEFAULT_MAX_UPLOADS } from '../../src/schemas/share-links.js';
import { BATCH_LIMIT, chunk, EXPIRY_CHOICES, linkPasswordError, LINK_MAX_UPLOADS, readMaxUploads } from '../../mobile/src/core/album-rules.js';

/**
 * The album screens' rules against the API's (the app cannot import the server's code). The share sheet checks a link's password and upload limit before it asks (mobile/src/core/album-rules.ts); the
 * API checks them again (src/schemas/share-links.ts). If they drift, the app refuses what the API takes, or sends
 * what it refuses and shows a problem instead of its own message. Both sides judge the same inputs here.
 */
const apiTakes = (body: Record<string, unknown>) => createLinkBody.safeParse(body).success;

it('the app and the API take the same upload limits, and the app names the API default', () => {
  expect(LINK_MAX_UPLOADS.default).toBe(DEFAULT_MAX_UPLOADS);
  const edges = [LINK_MAX_UPLOADS.min, LINK_MAX_UPLOADS.max];
  for (const n of [-1, 0, ...edges.flatMap((e) => [e - 1, e, e + 1]), 50, 200, 999_999]) {
    const app = readMaxUploads(String(n));
    expect({ n, app: app.error === undefined }).toEqual({ n, app: apiTakes({ kind: 'collect', maxUploads: n }) });
    if (app.error === undefined) expect(app.value).toBe(n);
  }
  // Empty: the app sends nothing, and the API takes a collect link without a limit.
  expect(readMaxUploads('')).toEqual({ value: undefined });
  expect(apiTakes({ kind: 'collect' })).toBe(true);
});

it('the app and the API take the same link passwords', () => {
  for (const length of [1, 7, 8, 9, 64, 127, 128, 129, 500]) {
    const password = 'p'.repeat(length);
    expect({ length, app: linkPasswordError(password) === undefined }).toEqual({ length, app: apiTakes({ kind: 'view', password }) });
  }
});

it('every expiry the app offers is one the API takes', () => {
  for (const choice of EXPIRY_CHOICES) expect({ choice: choice.label, api: apiTakes({ kind: 'view', expiresInDays: choice.days }) }).toEqual({ choice: choice.label, api: true });
});

it("the app's batches of photo ids are ones the API takes whole", () => {
  const ids = Array.from({ length: 2 * BATCH_LIMIT + 1 }, (_, i) => `photo${i}`);
  const batches = chunk(ids);
  expect(batches.map((batch) => batch.length)).toEqual([BATCH_LIMIT, BATCH_LIMIT, 1]);
  for (const photoIds of batches) expect(photoIdsBody.safeParse({ photoIds }).success).toBe(true);
  // The limit is the API's, not one under it: one more id is refused.
  expect(photoIdsBody.safeParse({ photoIds: ids.slice(0, BATCH_LIMIT + 1) }).success).toBe(false);
});
