import { ApiError } from '../../src/core/errors';
import { FetchQueue, type PendingFetch } from '../../src/core/fetch-queue';
import { MemoryStore } from '../helpers/memory-store';

const offline = () => new ApiError({ status: 0, title: 'Network error' });

function setup(storage = new MemoryStore()) {
  let online = false;
  let t = 0;
  const performed: string[] = [];
  const answers = new Map<string, ApiError>();
  const queue = new FetchQueue({
    storage,
    scope: 'u1',
    now: () => ++t,
    maxEntries: 3,
    perform: async (f: PendingFetch) => {
      if (!online) throw offline();
      performed.push(f.key);
      const answer = answers.get(f.key);
      if (answer) throw answer;
    },
  });
  return { queue, storage, performed, answers, goOnline: (v = true) => (online = v) };
}

test('a GET that fails for want of a network waits and is replayed when the network returns', async () => {
  const { queue, performed, goOnline } = setup();
  await expect(queue.run({ key: 'timeline:first', path: '/v1/photos', query: { limit: 60 } })).rejects.toMatchObject({ status: 0 });
  expect(await queue.size()).toBe(1);
  expect(await queue.replay()).toEqual({ done: 0, left: 1 }); // still offline: kept
  goOnline();
  expect(await queue.replay()).toEqual({ done: 1, left: 0 });
  expect(performed).toEqual(['timeline:first']);
});

test('an answer, even an error, is not queued: only missing networks wait', async () => {
  const { queue, answers, goOnline } = setup();
  goOnline();
  answers.set('photo:p1', new ApiError({ status: 404, title: 'Not Found' }));
  await expect(queue.run({ key: 'photo:p1', path: '/v1/photos/{id}', pathParams: { id: 'p1' } })).rejects.toMatchObject({ status: 404 });
  expect(await queue.size()).toBe(0);
});

test('one per key (the newest), bounded, kept across a restart, replayed in order', async () => {
  const storage = new MemoryStore();
  const first = setup(storage);
  for (const key of ['a', 'b', 'a', 'c', 'd']) await first.queue.add({ key, path: `/${key}` });
  const second = setup(storage);
  expect(await second.queue.size()).toBe(3);
  second.goOnline();
  await second.queue.replay();
  expect(second.performed).toEqual(['a', 'c', 'd']); // b was the oldest beyond 3; a moved behind b when re-added
});

test('replay stops at the first network failure and keeps the rest', async () => {
  const { queue, storage, performed } = setup();
  for (const key of ['a', 'b', 'c']) await queue.add({ key, path: `/${key}` });
  let calls = 0;
  const flaky = new FetchQueue({
    storage,
    scope: 'u1',
    perform: async (f) => {
      if (++calls === 2) throw offline();
      performed.push(f.key);
    },
  });
  expect(await flaky.replay()).toEqual({ done: 1, left: 2 });
  expect(await flaky.replay()).toEqual({ done: 2, left: 0 });
  expect(performed).toEqual(['a', 'b', 'c']);
});

test('concurrent replays share one pass (no GET made twice)', async () => {
  const { queue, goOnline, performed } = setup();
  for (const key of ['a', 'b']) await queue.add({ key, path: `/${key}` });
  goOnline();
  await Promise.all([queue.replay(), queue.replay()]);
  expect(performed).toEqual(['a', 'b']);
});

test("another account's queue does not see (or replay) these GETs", async () => {
  const storage = new MemoryStore();
  const mine = setup(storage);
  await mine.queue.add({ key: 'timeline:first', path: '/v1/photos' });
  const other = new FetchQueue({ storage, scope: 'u2', perform: async () => undefined });
  expect(await other.size()).toBe(0);
  expect(await setup(storage).queue.size()).toBe(1);
});
