import AsyncStorage from '@react-native-async-storage/async-storage';
import { CACHE_VERSION, cacheNames, createCache } from '../../src/core/cache';
import { asyncStorage } from '../../src/core/platform';
import { MemoryStore } from '../helpers/memory-store';

const page = (n: number) => ({ items: [{ id: `p${n}`, filename: `${n}.jpg` }], nextCursor: `c${n}` });

describe('the cache', () => {
  test('stale-while-revalidate: the cached page at once, then the fetched one, stored', async () => {
    let t = 1000;
    const cache = createCache({ store: new MemoryStore(), scope: 'u1', now: () => t });
    const first = await cache.swr(cacheNames.timelinePage(undefined), async () => page(1));
    expect(first.cached).toBeUndefined();
    await expect(first.fresh).resolves.toEqual(page(1));

    t = 2000;
    let answer!: (value: ReturnType<typeof page>) => void;
    const second = await cache.swr(cacheNames.timelinePage(undefined), () => new Promise((resolve) => (answer = resolve)));
    // The cached value is there before the server answers.
    expect(second.cached).toEqual({ value: page(1), storedAt: 1000 });
    answer(page(2));
    await expect(second.fresh).resolves.toEqual(page(2));
    expect(await cache.get(cacheNames.timelinePage(undefined))).toEqual({ value: page(2), storedAt: 2000 });
  });

  test('a failed revalidation keeps the cached value (offline)', async () => {
    const cache = createCache({ store: new MemoryStore(), scope: 'u1' });
    await cache.set('photo:p1', { id: 'p1' });
    const result = await cache.swr('photo:p1', async () => {
      throw new Error('offline');
    });
    expect(result.cached?.value).toEqual({ id: 'p1' });
    await expect(result.fresh).rejects.toThrow('offline');
    expect((await cache.get('photo:p1'))?.value).toEqual({ id: 'p1' });
  });

  test('concurrent revalidations of one name share one fetch', async () => {
    const cache = createCache({ store: new MemoryStore(), scope: 'u1' });
    const fetch = jest.fn(async () => page(1));
    const results = await Promise.all([cache.swr('timeline:first', fetch), cache.swr('timeline:first', fetch)]);
    await Promise.all(results.map((r) => r.fresh));
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test('bounded by bytes: the least recently used entries go first', async () => {
    let t = 0;
    const store = new MemoryStore();
    const cache = createCache({ store, scope: 'u1', maxBytes: 300, now: () => ++t });
    const value = 'x'.repeat(60); // about 100 bytes stored per entry
    await cache.set('a', value);
    await cache.set('b', value);
    await cache.get('a'); // a is now more recent than b
    await cache.set('c', value);
    await cache.set('d', value);
    expect(await cache.get('b')).toBeUndefined();
    expect((await cache.get('a'))?.value).toBe(value);
    expect((await cache.get('d'))?.value).toBe(value);
    const { bytes } = await cache.size();
    expect(bytes).toBeLessThanOrEqual(300);
    // The evicted entry's key is gone from storage too, not only from the index.
    expect([...store.data.keys()].some((k) => k.endsWith(':e:b'))).toBe(false);
  });

  test('bounded by entries', async () => {
    const cache = createCache({ store: new MemoryStore(), scope: 'u1', maxEntries: 2 });
    for (const name of ['a', 'b', 'c']) await cache.set(name, name);
    expect(await cache.size()).toMatchObject({ entries: 2 });
    expect(await cache.get('a')).toBeUndefined();
  });

  test('an entry bigger than the whole budget is not kept (and an older copy is dropped)', async () => {
    const cache = createCache({ store: new MemoryStore(), scope: 'u1', maxBytes: 100 });
    await cache.set('a', 'small');
    await cache.set('a', 'y'.repeat(500));
    expect(await cache.get('a')).toBeUndefined();
  });

  test('survives a restart; other versions and orphans are cleaned, other users are kept apart', async () => {
    const store = new MemoryStore();
    await store.setItem(`av:cache:v${CACHE_VERSION + 1}:u1:e:other-version`, '"another shape"');
    await store.setItem(`av:cache:v${CACHE_VERSION}:u1:e:orphan`, '{"value":1,"storedAt":1}');
    const before = createCache({ store, scope: 'u1' });
    await before.set('photo:p1', { id: 'p1' });
    const other = createCache({ store, scope: 'u2' });
    await other.set('photo:p9', { id: 'p9' });

    const after = createCache({ store, scope: 'u1' });
    expect((await after.get('photo:p1'))?.value).toEqual({ id: 'p1' });
    expect(await after.get('photo:p9')).toBeUndefined();
    const keys = [...store.data.keys()];
    expect(keys.some((k) => k.endsWith(':e:orphan'))).toBe(false);
    expect(keys.some((k) => k.endsWith(':e:other-version'))).toBe(false);
    expect((await createCache({ store, scope: 'u2' }).get('photo:p9'))?.value).toEqual({ id: 'p9' });

    await after.clear();
    expect(await after.get('photo:p1')).toBeUndefined();
    expect((await createCache({ store, scope: 'u2' }).get('photo:p9'))?.value).toEqual({ id: 'p9' });
  });

  test('works over AsyncStorage itself', async () => {
    const cache = createCache({ store: asyncStorage(), scope: 'u1' });
    await cache.set('photo:p1', { id: 'p1' });
    expect((await createCache({ store: asyncStorage(), scope: 'u1' }).get('photo:p1'))?.value).toEqual({ id: 'p1' });
    expect(await AsyncStorage.getAllKeys()).toContain(`av:cache:v${CACHE_VERSION}:u1:e:photo:p1`);
  });
});

test('reads do not rewrite the index (a grid reads many entries)', async () => {
  const store = new MemoryStore();
  const cache = createCache({ store, scope: 'u1' });
  for (const id of ['a', 'b', 'c']) await cache.set(`photo:${id}`, { id });
  const writes = jest.spyOn(store, 'setItem');
  for (const id of ['a', 'b', 'c']) await cache.get(`photo:${id}`);
  expect(writes).not.toHaveBeenCalled();
});
