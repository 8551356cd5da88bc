import { createAlbums } from '../../src/core/albums';
import { createApiClient } from '../../src/core/api-client';
import { createCache } from '../../src/core/cache';
import { FetchQueue } from '../../src/core/fetch-queue';
import { createTokenStore } from '../../src/core/tokens';
import { fakeAdapter, type FakeAnswer, type FakeRequest } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';

async function setup(handler: (r: FakeRequest) => FakeAnswer) {
  const storage = new MemoryStore();
  const tokens = createTokenStore(null, storage);
  await tokens.save({ accessToken: 'a', refreshToken: 'r' });
  let online = true;
  const fake = fakeAdapter((r) => {
    if (!online) throw new Error('offline');
    return handler(r);
  });
  const api = createApiClient({ baseURL: 'http://api.test', tokens, adapter: fake.adapter });
  const cache = createCache({ store: storage, scope: 'u1' });
  const fetches = new FetchQueue({
    storage,
    scope: 'u1',
    perform: async (f) => cache.set(f.key, await api.request('get', f.path as '/v1/me', { path: f.pathParams, query: f.query } as never)),
  });
  return { albums: createAlbums(api, cache, fetches), fetches, cache, requests: fake.requests, setOnline: (v: boolean) => (online = v) };
}

const album = (id: string, name: string) => ({ id, name, ownerId: 'u1', role: 'owner', photoCount: 0, cover: null, createdAt: 't', updatedAt: 't' });

test('adding 450 photos goes in batches of 200, 200 and 50, in order, with one result per id', async () => {
  const { albums, requests } = await setup((r) => ({
    status: 200,
    body: { results: (r.body as { photoIds: string[] }).photoIds.map((photoId) => ({ photoId, result: 'added' })) },
  }));
  const ids = Array.from({ length: 450 }, (_, i) => `p${i}`);
  const results = await albums.addPhotos('al1', ids);
  expect(requests.map((r) => [r.method, r.url, (r.body as { photoIds: string[] }).photoIds.length])).toEqual([
    ['POST', '/v1/albums/al1/photos', 200],
    ['POST', '/v1/albums/al1/photos', 200],
    ['POST', '/v1/albums/al1/photos', 50],
  ]);
  expect(results.map((r) => r.photoId)).toEqual(ids);
});

test('a batch that fails midway still drops the saved album (its count changed) and reports the failure', async () => {
  let n = 0;
  const { albums, cache } = await setup((r) => {
    if (r.method === 'GET') return { status: 200, body: album('al1', 'Saved') };
    n += 1;
    if (n === 2) return { status: 503, body: { title: 'Unavailable', status: 503 } };
    return { status: 200, body: { results: (r.body as { photoIds: string[] }).photoIds.map((photoId) => ({ photoId, result: 'added' })) } };
  });
  await (await albums.album('al1')).fresh;
  expect(await cache.get('album:al1')).toBeDefined();
  await expect(albums.addPhotos('al1', Array.from({ length: 300 }, (_, i) => `p${i}`))).rejects.toMatchObject({ status: 503 });
  expect(await cache.get('album:al1')).toBeUndefined();
});

test('the album list opens from the cache offline, and a first visit offline waits in the fetch queue until the network returns', async () => {
  const { albums, fetches, setOnline } = await setup((r) => (r.url === '/v1/albums' ? { status: 200, body: { items: [album('al1', 'Summer')], nextCursor: null } } : { status: 200, body: { items: [], nextCursor: null } }));
  await (await albums.mine()).fresh;
  setOnline(false);
  const offline = await albums.mine();
  expect(offline.cached?.value.items.map((a) => a.name)).toEqual(['Summer']);
  await expect(offline.fresh).rejects.toMatchObject({ status: 0 });

  const shared = await albums.shared();
  expect(shared.cached).toBeUndefined();
  await expect(shared.fresh).rejects.toMatchObject({ status: 0 });
  setOnline(true);
  expect(await fetches.replay()).toEqual({ done: 2, left: 0 });
  expect((await albums.shared()).cached?.value.items).toEqual([]);
});

test('findPhoto reads the saved pages first, then follows the server pages by cursor', async () => {
  const photo = (id: string) => ({ id, filename: `${id}.jpg`, addedBy: { name: 'A', guest: false } });
  const { albums, requests } = await setup((r) => {
    const cursor = (r.params as { cursor?: string } | undefined)?.cursor;
    return { status: 200, body: cursor ? { items: [photo('deep')], nextCursor: null } : { items: [photo('top')], nextCursor: 'c2' } };
  });
  expect((await albums.findPhoto('al1', 'deep'))?.id).toBe('deep');
  expect(requests.map((r) => r.params)).toEqual([{ limit: 60 }, { limit: 60, cursor: 'c2' }]);
  expect((await albums.findPhoto('al1', 'deep'))?.id).toBe('deep');
  expect(requests).toHaveLength(2);
  expect(await albums.findPhoto('al1', 'missing')).toBeUndefined();
});
