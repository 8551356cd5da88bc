import { ProcessingWatch } from '../../src/core/processing-watch';
import { UploadQueue } from '../../src/core/upload-queue';
import type { CompleteAnswer, CompleteRequestItem } from '../../src/core/upload-types';
import { FakeDevice, FakeUploadServer, fakeSha256 } from '../helpers/fake-upload-server';
import { MemoryStore } from '../helpers/memory-store';

// The fake server answers `processing` to every first complete; what processing then decides is set per photo here.
let server: FakeUploadServer;
let device: FakeDevice;
let outcome: Map<string, CompleteAnswer>;
let asked: { at: number; items: CompleteRequestItem[] }[];

beforeEach(() => {
  jest.useFakeTimers({ now: Date.parse('2026-12-01T12:00:00Z') });
  server = new FakeUploadServer(() => Date.now());
  device = new FakeDevice();
  outcome = new Map();
  asked = [];
});
afterEach(() => jest.useRealTimers());

/** The watch's own calls: the same idempotent complete, answered with what processing decided (or still processing). */
const watchTransport = {
  async completeUploads(items: CompleteRequestItem[]): Promise<CompleteAnswer[]> {
    asked.push({ at: Date.now(), items });
    return items.map((i) => outcome.get(i.photoId) ?? { photoId: i.photoId, status: 'processing' });
  },
};

async function uploadTwo() {
  const queue = new UploadQueue({ storage: new MemoryStore(), scope: 'u1', transport: server, bytes: device, sha256: fakeSha256, random: () => 0.5 });
  let readyCalls = 0;
  const watch = new ProcessingWatch(queue, watchTransport, { onReady: () => readyCalls++ });
  await queue.start();
  await queue.add([device.add('photo.jpg', 'abc'), device.add('notes.txt.jpg', 'def')]);
  await queue.idle();
  const [photo, text] = queue.list();
  expect([photo!.result, text!.result]).toEqual(['processing', 'processing']);
  return { queue, watch, photo: photo!, text: text!, readyCalls: () => readyCalls };
}

test('a photo rejected by processing stops saying it was uploaded and says why; a processed one becomes ready', async () => {
  const { queue, watch, photo, text, readyCalls } = await uploadTwo();
  outcome.set(text.photoId!, { photoId: text.photoId!, status: 'rejected', error: 'not-an-image' });
  await jest.advanceTimersByTimeAsync(2_000);
  expect(asked).toHaveLength(1);
  expect(asked[0]!.items.map((i) => i.photoId).sort()).toEqual([photo.photoId, text.photoId].sort());
  const rejected = queue.list().find((i) => i.id === text.id)!;
  expect(rejected.result).toBe('rejected');
  expect(rejected.problem).toEqual({ status: 422, title: 'Rejected', detail: 'not-an-image' });
  expect(queue.list().find((i) => i.id === photo.id)!.result).toBe('processing');
  expect(readyCalls()).toBe(0);

  outcome.set(photo.photoId!, { photoId: photo.photoId!, status: 'ready' });
  await jest.advanceTimersByTimeAsync(4_000);
  expect(asked.map((a) => a.items.map((i) => i.photoId))).toEqual([expect.any(Array), [photo.photoId]]);
  expect(queue.list().find((i) => i.id === photo.id)!.result).toBe('ready');
  expect(readyCalls()).toBe(1);

  // Everything settled: nothing more is asked.
  await jest.advanceTimersByTimeAsync(10 * 60_000);
  expect(asked).toHaveLength(2);
  watch.stop();
});

test('it asks with growing gaps (2, 4, 8, then every 15 s), survives failures, and gives up after five minutes', async () => {
  const { watch } = await uploadTwo();
  const start = Date.now();
  const failing = watchTransport.completeUploads;
  watchTransport.completeUploads = async (items) => {
    asked.push({ at: Date.now(), items });
    throw new Error('offline');
  };
  try {
    await jest.advanceTimersByTimeAsync(6 * 60_000);
  } finally {
    watchTransport.completeUploads = failing;
  }
  const gaps = asked.map((a, i) => a.at - (i === 0 ? start : asked[i - 1]!.at));
  expect(gaps.slice(0, 5)).toEqual([2_000, 4_000, 8_000, 15_000, 15_000]);
  expect(asked.at(-1)!.at - start).toBeLessThanOrEqual(5 * 60_000 + 15_000);
  const count = asked.length;
  await jest.advanceTimersByTimeAsync(10 * 60_000);
  expect(asked).toHaveLength(count);
  watch.stop();
});

test('cleared rows and a stopped watch ask nothing more', async () => {
  const { queue, watch } = await uploadTwo();
  queue.clearFinished();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(asked).toHaveLength(0);
  watch.stop();
});
