import type { UploadItem } from '../../../src/core/upload-types';
import { canRetryNow, describeUpload, hashingItemId, summarize } from '../../../src/screens/uploads/upload-status';

function item(overrides: Partial<UploadItem> = {}): UploadItem {
  return {
    id: 'a',
    source: { uri: 'file:///a.jpg', filename: 'a.jpg', contentType: 'image/jpeg' },
    createdAt: 1,
    step: 'hashing',
    etags: {},
    attempts: 0,
    ...overrides,
  };
}

const multipart = (parts: number) => ({
  kind: 'multipart' as const,
  uploadId: 'u',
  partSize: 100,
  parts: Array.from({ length: parts }, (_, i) => ({ partNumber: i + 1, url: `https://s3.test/p${i + 1}` })),
  expiresAt: '2026-12-01T00:00:00Z',
  receivedAt: 0,
});

test('the photo being hashed is "Preparing", the ones behind it "Waiting"', () => {
  const items = [item({ id: 'a', createdAt: 1 }), item({ id: 'b', createdAt: 2 })];
  const now = hashingItemId(items);
  expect(items.map((i) => describeUpload(i, now).text)).toEqual(['Preparing', 'Waiting']);
  expect(describeUpload(item({ step: 'requesting' }), undefined).text).toBe('Preparing');
});

test('uploading shows the share of bytes sent, and the part for a multipart upload', () => {
  expect(describeUpload(item({ step: 'uploading', size: 400, sentBytes: 100 }), undefined)).toEqual({ phase: 'uploading', text: 'Uploading', progress: 0.25, partText: undefined });
  expect(describeUpload(item({ step: 'uploading', size: 400, sentBytes: 250, part: 3, target: multipart(4) }), undefined)).toEqual({
    phase: 'uploading',
    text: 'Uploading',
    progress: 0.625,
    partText: 'part 3 of 4',
  });
  expect(describeUpload(item({ step: 'completing' }), undefined).text).toBe('Finishing');
});

test('finished items say whether they were sent or already there', () => {
  expect(describeUpload(item({ step: 'done', result: 'processing' }), undefined).text).toBe('Uploaded');
  expect(describeUpload(item({ step: 'done', result: 'duplicate' }), undefined).text).toBe('Already in your library');
  expect(describeUpload(item({ step: 'done', result: 'ready' }), undefined).text).toBe('Uploaded');
});

test('a photo the server took and then rejected while processing says why, as a failure', () => {
  const rejected = item({ step: 'done', result: 'rejected', problem: { status: 422, title: 'Rejected', detail: 'not-an-image' } });
  expect(describeUpload(rejected, undefined)).toEqual({ phase: 'failed', text: 'Failed: the file is not a photo' });
});

test('failures say why in words: the server\'s detail, a rejection reason, a photo that is gone', () => {
  const failed = (problem: UploadItem['problem']) => describeUpload(item({ step: 'failed', problem }), undefined).text;
  expect(failed({ status: 409, title: 'Conflict', detail: 'Your storage is full' })).toBe('Failed: Your storage is full');
  expect(failed({ status: 400, title: 'Bad Request' })).toBe('Failed: Bad Request');
  expect(failed({ status: 422, title: 'Rejected', detail: 'not-an-image' })).toBe('Failed: the file is not a photo');
  expect(failed({ status: 0, title: 'Photo unavailable', detail: 'ENOENT' })).toBe('Failed: the photo can no longer be read here, pick it again');
});

test('an item waiting after a failure says why; only a network wait can be cut short', () => {
  const offline = item({ step: 'uploading', notBefore: 5, problem: { status: 0, title: 'Network Error' } });
  expect(describeUpload(offline, undefined).text).toBe('Waiting to retry (no connection)');
  expect(canRetryNow(offline)).toBe(true);
  const busy = item({ step: 'requesting', notBefore: 5, problem: { status: 429, title: 'Too Many Requests' } });
  expect(describeUpload(busy, undefined).text).toBe('Waiting to retry (the server is busy)');
  // resume() keeps a server's Retry-After: a "Retry now" there would do nothing.
  expect(canRetryNow(busy)).toBe(false);
  expect(canRetryNow(item({ step: 'failed', notBefore: 5, problem: { status: 0, title: 'x' } }))).toBe(false);
});

test('the summary counts finished and failed items', () => {
  expect(summarize([item({ step: 'done' }), item({ step: 'failed' }), item({ step: 'uploading' })])).toEqual({ done: 1, failed: 1, finished: 1, total: 3, unfinished: 2 });
  // Rejected by processing: finished (cleared with the others) but not uploaded, and it needs the user.
  expect(summarize([item({ step: 'done', result: 'ready' }), item({ step: 'done', result: 'rejected' })])).toEqual({ done: 1, failed: 1, finished: 2, total: 2, unfinished: 0 });
});
