import { ApiError } from '../../src/core/errors';
import { UploadQueue } from '../../src/core/upload-queue';
import type { UploadItem } from '../../src/core/upload-types';
import { FakeDevice, FakeUploadServer, fakeSha256 } from '../helpers/fake-upload-server';
import { MemoryStore } from '../helpers/memory-store';

// The fake server: files over 10 bytes are multipart in parts of 4 bytes; URLs live 15 minutes.
let storage: MemoryStore;
let server: FakeUploadServer;
let device: FakeDevice;

beforeEach(() => {
  jest.useFakeTimers({ now: Date.parse('2026-12-01T12:00:00Z') });
  storage = new MemoryStore();
  server = new FakeUploadServer(() => Date.now());
  device = new FakeDevice();
});
afterEach(() => jest.useRealTimers());

function queue(options: { retryBudget?: number; random?: () => number; transport?: FakeUploadServer } = {}) {
  return new UploadQueue({
    storage,
    scope: 'u1',
    transport: options.transport ?? server,
    bytes: device,
    sha256: fakeSha256,
    random: options.random ?? (() => 0.5),
    backoff: { baseMs: 1000, capMs: 60_000 },
    retryBudget: options.retryBudget ?? 4,
  });
}

const stored = () => [...storage.data.keys()].filter((k) => k.startsWith('av:uploads:'));
const steps = (q: UploadQueue) => q.list().map((i) => [i.source.uri, i.step, i.result ?? i.problem?.title]);

test('single, multipart and duplicate photos: each ends done, the duplicate never uploads, storage ends empty', async () => {
  server.byContent.set(await fakeSha256(new TextEncoder().encode('old')), { photoId: 'photo0', sha256: '', size: 3, parts: new Map(), state: 'processing' });
  const q = queue();
  await q.start();
  await q.add([device.add('small', 'abc'), device.add('big', 'abcdefghijklm'), device.add('again', 'old')]);
  await q.idle();
  expect(steps(q)).toEqual([
    ['small', 'done', 'processing'],
    ['big', 'done', 'processing'],
    ['again', 'done', 'duplicate'],
  ]);
  expect(q.list()[2]!.photoId).toBe('photo0');
  // 1 single PUT + 4 parts of 4 bytes for 13 bytes; nothing for the duplicate.
  expect(server.calls.put).toHaveLength(5);
  expect(server.calls.complete.flat()).toEqual([
    { photoId: 'photo1' },
    { photoId: 'photo2', parts: [1, 2, 3, 4].map((n) => ({ partNumber: n, etag: `"etag-photo2-${n}"` })) },
  ]);
  expect(server.photos()).toHaveLength(3);
  expect(stored()).toEqual([]);
});

test('an item is in storage before any work on it starts', async () => {
  const seen: number[] = [];
  const read = device.read.bind(device);
  device.read = async (source, range) => {
    seen.push(stored().length);
    return read(source, range);
  };
  const q = queue();
  await q.start();
  await q.add([device.add('a', 'abc'), device.add('b', 'def')]);
  await q.idle();
  expect(seen.slice(0, 2)).toEqual([2, 2]);
  expect(stored()).toEqual([]);
});

test('batches of at most 50 per POST /v1/uploads and per complete', async () => {
  const q = queue();
  await q.start();
  await q.add(Array.from({ length: 120 }, (_, i) => device.add(`p${i}`, `photo${i}`)));
  await q.idle();
  expect(server.calls.request.map((b) => b.length)).toEqual([50, 50, 20]);
  expect(server.calls.complete.map((b) => b.length)).toEqual([50, 50, 20]);
  expect(server.photos()).toHaveLength(120);
});

test('killed in the middle of a multipart upload: the next start resumes at the next part, one photo, no part sent twice', async () => {
  const first = queue();
  await first.start();
  // Part 1 goes through, part 2 never answers: the app is killed there.
  let puts = 0;
  const realPut = server.put.bind(server);
  server.put = async (url, headers, body) => {
    if (++puts === 2) await new Promise(() => undefined);
    return realPut(url, headers, body);
  };
  await first.add([device.add('big', 'abcdefghijklm')]);
  await jest.advanceTimersByTimeAsync(0);
  expect(first.list()[0]).toMatchObject({ step: 'uploading', part: 2, etags: { 1: '"etag-photo1-1"' } });
  first.stop();

  server.put = realPut;
  const second = queue();
  await second.start();
  await second.idle();
  expect(second.list()[0]).toMatchObject({ step: 'done', result: 'processing' });
  const partsSent = server.calls.put.map((u) => new URL(u).searchParams.get('part'));
  expect(partsSent).toEqual(['1', '2', '3', '4']); // part 2 reached the server only from the second run
  expect(server.calls.request).toHaveLength(1); // the stored URLs were still valid: no new request
  expect(server.photos()).toHaveLength(1);
  expect(stored()).toEqual([]);
});

test('killed after the PUT, before complete: the restart completes without uploading again', async () => {
  const first = queue();
  await first.start();
  server.fail('complete', 'hang');
  await first.add([device.add('small', 'abc')]);
  await jest.advanceTimersByTimeAsync(0);
  expect(first.list()[0]!.step).toBe('completing');
  first.stop();

  const second = queue();
  await second.start();
  await second.idle();
  expect(second.list()[0]).toMatchObject({ step: 'done', result: 'processing' });
  expect(server.calls.put).toHaveLength(1);
  expect(server.calls.complete).toHaveLength(2);
  expect(server.photos()).toHaveLength(1);
});

test('killed before the answer to POST /v1/uploads: asking again gets the same reservation, one photo', async () => {
  const first = queue();
  await first.start();
  const original = server.requestUploads.bind(server);
  server.requestUploads = async (items) => {
    await original(items); // the server reserved, but the answer never reaches the app
    return new Promise(() => undefined);
  };
  await first.add([device.add('small', 'abc')]);
  await jest.advanceTimersByTimeAsync(0);
  first.stop();
  server.requestUploads = original;

  const second = queue();
  await second.start();
  await second.idle();
  expect(second.list()[0]).toMatchObject({ step: 'done', photoId: 'photo1' });
  expect(server.byContent.size).toBe(1);
});

test('429 with Retry-After: nothing is sent again before the server said, then it goes through', async () => {
  server.fail('request', new ApiError({ status: 429, title: 'Too Many Requests', retryAfterMs: 30_000 }));
  const q = queue();
  await q.start();
  await q.add([device.add('small', 'abc')]);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'requesting', attempts: 0, problem: { status: 429 } });
  await jest.advanceTimersByTimeAsync(29_999);
  expect(server.calls.request).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  await q.idle();
  expect(server.calls.request).toHaveLength(2);
  expect(q.list()[0]).toMatchObject({ step: 'done' });
});

test('503s back off exponentially with jitter; past the budget the item asks for attention; retry finishes it', async () => {
  const unavailable = () => new ApiError({ status: 503, title: 'Service Unavailable' });
  server.fail('complete', unavailable(), unavailable(), unavailable(), unavailable(), unavailable());
  const q = queue({ retryBudget: 4, random: () => 0.5 });
  await q.start();
  await q.add([device.add('small', 'abc')]);
  await q.idle();
  // With random 0.5 the waits are half the ceiling: 500, 1000, 2000, 4000 ms.
  const times: number[] = [];
  for (const wait of [500, 1000, 2000, 4000]) {
    await jest.advanceTimersByTimeAsync(wait - 1);
    times.push(server.calls.complete.length);
    await jest.advanceTimersByTimeAsync(1);
  }
  await q.idle();
  expect(times).toEqual([1, 2, 3, 4]);
  expect(server.calls.complete).toHaveLength(5);
  expect(q.list()[0]).toMatchObject({ step: 'failed', attempts: 5, problem: { status: 503, title: 'Service Unavailable' } });
  expect(stored()).toHaveLength(1); // still kept: the photo is not on the server yet

  await jest.advanceTimersByTimeAsync(10 * 60_000);
  expect(server.calls.complete).toHaveLength(5); // a failed item waits for the user
  await q.retry(q.list()[0]!.id);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'done' });
  expect(server.calls.put).toHaveLength(1); // it failed at complete, so it retries complete, not the upload
  expect(server.photos()).toHaveLength(1);
});

test('Retry-After longer than the URL lives: the expired URL is replaced by a fresh request for the same reservation', async () => {
  server.fail('put', new ApiError({ status: 503, title: 'Slow Down', retryAfterMs: 20 * 60_000 }));
  const q = queue();
  await q.start();
  await q.add([device.add('big', 'abcdefghijklm')]);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'uploading', etags: {} });
  await jest.advanceTimersByTimeAsync(20 * 60_000);
  await q.idle();
  expect(server.calls.request).toHaveLength(2);
  expect(q.list()[0]).toMatchObject({ step: 'done' });
  expect(server.photos()).toHaveLength(1);
});

test('an expired URL mid-multipart keeps the parts already sent (same upload id) and sends only the rest', async () => {
  const q = queue();
  await q.start();
  let puts = 0;
  const realPut = server.put.bind(server);
  server.put = async (url, headers, body) => {
    if (++puts === 3) throw new ApiError({ status: 0, title: 'Network error', retryAfterMs: undefined });
    return realPut(url, headers, body);
  };
  await q.add([device.add('big', 'abcdefghijklm')]);
  await q.idle();
  expect(q.list()[0]!.etags).toEqual({ 1: '"etag-photo1-1"', 2: '"etag-photo1-2"' });
  jest.setSystemTime(Date.now() + 16 * 60_000); // the device slept past the URLs' expiry
  q.resume();
  await q.idle();
  expect(server.calls.request).toHaveLength(2);
  // (the failed attempt at part 3 never reached the server, so it is not in calls.put)
  expect(server.calls.put.map((u) => new URL(u).searchParams.get('part'))).toEqual(['1', '2', '3', '4']);
  expect(server.calls.put.slice(2).every((u) => new URL(u).searchParams.get('exp') === String(Date.now() + 15 * 60_000))).toBe(true);
  expect(q.list()[0]).toMatchObject({ step: 'done' });
});

test('S3 refusing a URL (403) gets fresh URLs, within the budget', async () => {
  server.fail('put', new ApiError({ status: 403, title: 'AccessDenied', detail: 'Request has expired' }));
  const q = queue();
  await q.start();
  await q.add([device.add('small', 'abc')]);
  await q.idle();
  await jest.advanceTimersByTimeAsync(60_000);
  await q.idle();
  expect(server.calls.request).toHaveLength(2);
  expect(q.list()[0]).toMatchObject({ step: 'done' });
});

test('complete answering rejected fails the item with the reason; missing sends it again', async () => {
  const q = queue();
  await q.start();
  const realComplete = server.completeUploads.bind(server);
  let answers = 0;
  server.completeUploads = async (items) => {
    answers++;
    if (answers === 1) return items.map((i) => ({ photoId: i.photoId, status: 'missing' as const }));
    if (answers === 2) return realComplete(items);
    return items.map((i) => ({ photoId: i.photoId, status: 'rejected' as const, error: 'not-an-image' }));
  };
  await q.add([device.add('small', 'abc')]);
  await q.idle();
  await jest.advanceTimersByTimeAsync(60_000);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'done' });
  expect(server.calls.put).toHaveLength(2);

  await q.add([device.add('bad', 'xyz')]);
  await q.idle();
  expect(q.list()[1]).toMatchObject({ step: 'failed', problem: { title: 'Rejected', detail: 'not-an-image' } });
});

test('a permanent refusal of a batch (409 over quota) is asked item by item, so only the offending item fails', async () => {
  const realRequest = server.requestUploads.bind(server);
  server.requestUploads = async (items) => {
    if (items.some((i) => i.filename === 'huge.jpg')) throw new ApiError({ status: 409, title: 'Conflict', detail: 'over quota' });
    return realRequest(items);
  };
  const q = queue();
  await q.start();
  await q.add([device.add('a', 'abc'), device.add('huge', 'def'), device.add('c', 'ghi')]);
  await q.idle();
  expect(steps(q)).toEqual([
    ['a', 'done', 'processing'],
    ['huge', 'failed', 'Conflict'],
    ['c', 'done', 'processing'],
  ]);
});

test('signed out (401) pauses the queue without spending the budget; resume carries on', async () => {
  server.fail('request', new ApiError({ status: 401, title: 'Signed out' }));
  const q = queue();
  await q.start();
  await q.add([device.add('small', 'abc')]);
  await q.idle();
  await jest.advanceTimersByTimeAsync(10 * 60_000);
  expect(server.calls.request).toHaveLength(1);
  expect(q.list()[0]).toMatchObject({ step: 'requesting', attempts: 0 });
  q.resume();
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'done' });
});

test('a photo that can no longer be read fails at once and says so; cancel removes it for good', async () => {
  const q = queue();
  await q.start();
  const source = device.add('gone', 'abc');
  device.files.delete('gone');
  const [id] = await q.add([source]);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'failed', problem: { title: 'Photo unavailable' } });
  expect(server.calls.request).toHaveLength(0);
  await q.cancel(id!);
  expect(q.list()).toEqual([]);
  expect(stored()).toEqual([]);
});

test('subscribers see each step', async () => {
  const q = queue();
  const seen: string[] = [];
  q.subscribe((items: readonly UploadItem[]) => {
    const step = items[0] ? `${items[0].step}${items[0].part ? items[0].part : ''}` : 'empty';
    if (seen[seen.length - 1] !== step) seen.push(step);
  });
  await q.start();
  await q.add([device.add('big', 'abcdefghijklm')]);
  await q.idle();
  expect(seen).toEqual(['empty', 'hashing', 'requesting', 'uploading', 'uploading1', 'uploading2', 'uploading3', 'uploading4', 'completing', 'done']);
});

test("a device clock an hour ahead of the server's does not make fresh URLs look expired", async () => {
  server = new FakeUploadServer(() => Date.now() - 60 * 60_000);
  const request = server.requestUploads.bind(server);
  // Without the guard the queue would ask for new URLs forever: fail loudly after a few instead of hanging.
  server.requestUploads = async (items) => {
    if (server.calls.request.length >= 3) throw new ApiError({ status: 400, title: 'asked again and again' });
    return request(items);
  };
  const q = queue();
  await q.start();
  await q.add([device.add('small', 'abc'), device.add('big', 'abcdefghijklm')]);
  await q.idle();
  expect(steps(q)).toEqual([
    ['small', 'done', 'processing'],
    ['big', 'done', 'processing'],
  ]);
  expect(server.calls.request).toHaveLength(1);
});

test('photos go to S3 three at a time', async () => {
  let inFlight = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  const put = server.put.bind(server);
  server.put = async (url, headers, body) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => releases.push(resolve));
    inFlight--;
    return put(url, headers, body);
  };
  const q = queue();
  await q.start();
  await q.add(['a', 'b', 'c', 'd', 'e'].map((n) => device.add(n, `photo-${n}`)));
  while (q.list().some((i) => i.step !== 'done')) {
    await jest.advanceTimersByTimeAsync(0);
    releases.splice(0).forEach((release) => release());
  }
  await q.idle();
  expect(most).toBe(3);
  expect(server.photos()).toHaveLength(5);
});

test('resume() (network back) does not cut short a wait the server asked for', async () => {
  server.fail('request', new ApiError({ status: 503, title: 'Service Unavailable', retryAfterMs: 60_000 }));
  const q = queue();
  await q.start();
  await q.add([device.add('small', 'abc')]);
  await q.idle();
  q.resume();
  await q.idle();
  expect(server.calls.request).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(60_000);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ step: 'done' });
});

test('a storage failure mid-run loses nothing and the queue tries again later', async () => {
  await storage.setItem('av:uploads:v1:u1:x', JSON.stringify({ id: 'x', source: device.add('small', 'abc'), createdAt: 1, step: 'hashing', etags: {}, attempts: 0 }));
  let writes = 0;
  const failingOnce = {
    getItem: (k: string) => storage.getItem(k),
    removeItem: (k: string) => storage.removeItem(k),
    getAllKeys: () => storage.getAllKeys(),
    setItem: async (k: string, v: string) => {
      if (++writes === 1) throw new Error('QuotaExceededError');
      return storage.setItem(k, v);
    },
  };
  const q = new UploadQueue({ storage: failingOnce, scope: 'u1', transport: server, bytes: device, sha256: fakeSha256 });
  await q.start();
  await q.idle();
  expect(server.calls.request).toHaveLength(0);
  expect(stored()).toEqual(['av:uploads:v1:u1:x']);
  await jest.advanceTimersByTimeAsync(30_000);
  await q.idle();
  expect(q.list()[0]).toMatchObject({ id: 'x', step: 'done' });
  expect(stored()).toEqual([]);
});

test('add() rejects when the item cannot be stored, and nothing starts for it', async () => {
  const full = { ...storage, getItem: storage.getItem.bind(storage), removeItem: storage.removeItem.bind(storage), getAllKeys: storage.getAllKeys.bind(storage), setItem: async () => Promise.reject(new Error('QuotaExceededError')) };
  const q = new UploadQueue({ storage: full, scope: 'u1', transport: server, bytes: device, sha256: fakeSha256 });
  await q.start();
  await expect(q.add([device.add('small', 'abc')])).rejects.toThrow('QuotaExceededError');
  await q.idle();
  expect(q.list()).toEqual([]);
  expect(device.reads).toBe(0);
});

test("one account's pending photos never go into another's library", async () => {
  const first = queue();
  await first.start();
  server.fail('request', 'hang'); // the app is closed before the upload starts
  await first.add([device.add('mine', 'abc')]);
  await jest.advanceTimersByTimeAsync(0);
  first.stop();

  const other = new UploadQueue({ storage, scope: 'u2', transport: server, bytes: device, sha256: fakeSha256 });
  await other.start();
  await other.idle();
  expect(other.list()).toEqual([]);
  expect(server.calls.request).toHaveLength(1);

  const again = queue();
  await again.start();
  await again.idle();
  expect(again.list()[0]).toMatchObject({ step: 'done' });
});

test('progress: the bytes sent grow to the size, part by part', async () => {
  const q = queue();
  const sent: number[] = [];
  q.subscribe((items) => {
    const value = items[0]?.sentBytes;
    if (value !== undefined && sent[sent.length - 1] !== value) sent.push(value);
  });
  await q.start();
  await q.add([device.add('big', 'abcdefghijklm')]); // 13 bytes: parts of 4, 4, 4, 1
  await q.idle();
  expect(sent).toEqual([2, 4, 6, 8, 10, 12, 12, 13].filter((v, i, a) => a.indexOf(v) === i));
});

test('a keeper copies each photo before its item is stored, the queue reads the copy, and copies go once the server has them or the user removes them', async () => {
  const kept = new Map<string, string>(); // copy uri -> original uri
  const events: string[] = [];
  const keeper = {
    async keep(source: UploadItem['source']) {
      events.push(`keep ${source.uri} (stored ${stored().length})`);
      kept.set(`kept:${source.uri}`, source.uri);
      return { ...source, uri: `kept:${source.uri}` };
    },
    async release(source: UploadItem['source']) {
      events.push(`release ${source.uri}`);
      kept.delete(source.uri);
    },
    async retainOnly(sources: UploadItem['source'][]) {
      const live = new Set(sources.map((s) => s.uri));
      for (const uri of [...kept.keys()]) if (!live.has(uri)) kept.delete(uri);
    },
  };
  // The byte source only knows the copies: reading an original would mean the keeper was bypassed.
  const read = device.read.bind(device);
  device.read = async (source, range) => {
    const original = kept.get(source.uri);
    if (!original) throw new Error(`read of ${source.uri}, which is not a kept copy`);
    return read({ ...source, uri: original }, range);
  };
  const q = new UploadQueue({ storage, scope: 'u1', transport: server, bytes: device, sha256: fakeSha256, random: () => 0.5, keeper });
  expect(q.isLoaded).toBe(false);
  await q.start();
  expect(q.isLoaded).toBe(true);
  q.stop();
  const [a, b] = await q.add([device.add('a', 'abc'), device.add('b', 'def')]);
  expect(events).toEqual(['keep a (stored 0)', 'keep b (stored 1)']);
  await q.cancel(b!);
  expect(kept.has('kept:b')).toBe(false);

  // A restart: the stored item still names its copy; a stray copy nobody names is swept at start.
  kept.set('kept:stray', 'stray');
  const again = new UploadQueue({ storage, scope: 'u1', transport: server, bytes: device, sha256: fakeSha256, random: () => 0.5, keeper });
  await again.start();
  await again.idle();
  expect(again.list().find((i) => i.id === a)?.step).toBe('done');
  expect(events.slice(-1)).toEqual(['release kept:a']);
  expect(kept.size).toBe(0);
  expect(server.photos()).toHaveLength(1);
});

test('load the server shed (503 or 429 with Retry-After) is waited out as long as it lasts, without spending the retry budget', async () => {
  const q = queue({ retryBudget: 2 });
  await q.start();
  for (let i = 0; i < 10; i++) server.fail('request', new ApiError({ status: 503, title: 'Overloaded', retryAfterMs: 2_000 }));
  await q.add([device.add('a', 'abc')]);
  for (let i = 0; i < 10; i++) await jest.advanceTimersByTimeAsync(2_000);
  await q.idle();
  await jest.advanceTimersByTimeAsync(2_000);
  await q.idle();
  expect(server.calls.request.length).toBeGreaterThanOrEqual(11);
  expect(q.list()[0]).toMatchObject({ step: 'done' });
});
