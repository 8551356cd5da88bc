import axios from 'axios';
import { createApiClient } from '../../src/core/api-client';
import { createTokenStore } from '../../src/core/tokens';
import { httpUploadTransport } from '../../src/core/upload-transport';
import { base64 } from '../../src/core/base64';
import { ApiError } from '../../src/core/errors';
import { fakeAdapter } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';

async function transport(s3Handler: Parameters<typeof fakeAdapter>[0]) {
  const tokens = createTokenStore(null, new MemoryStore());
  await tokens.save({ accessToken: 'tok', refreshToken: 'r' });
  const apiFake = fakeAdapter((r) =>
    r.url === '/v1/uploads'
      ? { status: 200, body: { items: [{ clientRef: 'c1', status: 'duplicate', photoId: 'p0' }] } }
      : { status: 200, body: { items: [{ photoId: 'p1', status: 'ready' }] } },
  );
  const s3Fake = fakeAdapter(s3Handler);
  const api = createApiClient({ baseURL: 'http://api.test', tokens, adapter: apiFake.adapter });
  return { t: httpUploadTransport(api, axios.create({ adapter: s3Fake.adapter })), api: apiFake.requests, s3: s3Fake.requests };
}

test('the API calls go through the authenticated client with the items as the body', async () => {
  const { t, api } = await transport(() => ({ status: 200 }));
  const item = { clientRef: 'c1', filename: 'a.jpg', contentType: 'image/jpeg' as const, size: 3, sha256: 'x' };
  expect(await t.requestUploads([item])).toEqual([{ clientRef: 'c1', status: 'duplicate', photoId: 'p0' }]);
  expect(await t.completeUploads([{ photoId: 'p1', parts: [{ partNumber: 1, etag: '"e"' }] }])).toEqual([{ photoId: 'p1', status: 'ready' }]);
  expect(api.map((r) => [r.method, r.url, r.headers.authorization, r.body])).toEqual([
    ['POST', '/v1/uploads', 'Bearer tok', { items: [item] }],
    ['POST', '/v1/uploads/complete', 'Bearer tok', { items: [{ photoId: 'p1', parts: [{ partNumber: 1, etag: '"e"' }] }] }],
  ]);
});

test('a PUT sends exactly the bytes (even a view into a larger buffer) with only the signed headers, and returns the ETag', async () => {
  const { t, s3 } = await transport(() => ({ status: 200, headers: { etag: '"abc"' } }));
  const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const answer = await t.put('https://s3.test/k?part=2', { 'x-amz-checksum-sha256': 'sum' }, whole.subarray(2, 4));
  expect(answer).toEqual({ etag: '"abc"' });
  expect(s3[0]!.method).toBe('PUT');
  expect(s3[0]!.headers.authorization).toBeUndefined();
  expect(s3[0]!.headers['x-amz-checksum-sha256']).toBe('sum');
  expect([...new Uint8Array(s3[0]!.body as ArrayBuffer)]).toEqual([3, 4]);
});

test('S3 refusing a PUT is an ApiError with its status (403 for an expired URL)', async () => {
  const { t } = await transport(() => ({ status: 403, body: '<Error><Code>AccessDenied</Code></Error>' }));
  const error = await t.put('https://s3.test/k', {}, new Uint8Array([1])).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(403);
});

test('base64 matches the standard encoding, padding included', () => {
  const cases: [number[], string][] = [
    [[], ''],
    [[102], 'Zg=='],
    [[102, 111], 'Zm8='],
    [[102, 111, 111], 'Zm9v'],
    [[255, 254, 253, 0, 1], '//79AAE='],
  ];
  for (const [bytes, expected] of cases) expect(base64(new Uint8Array(bytes))).toBe(expected);
  // The SHA-256 of "abc" (FIPS 180-2 test vector) in the form the API's sha256 field takes.
  const digest = [0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad];
  expect(base64(new Uint8Array(digest))).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
});
