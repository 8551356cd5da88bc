import { createApiClient } from '../../src/core/api-client';
import { createCache } from '../../src/core/cache';
import { createLibrary, TIMELINE_PAGE_SIZE } from '../../src/core/library';
import { createTokenStore } from '../../src/core/tokens';
import { fakeAdapter, type FakeAnswer } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';

const photo = (id: string) => ({ id, status: 'ready', filename: `${id}.jpg`, contentType: 'image/jpeg', size: 1, sha256: 's', takenAt: 't', uploadedAt: 't', thumbhash: 'th', urls: { original: 'u' } });

async function setup() {
  const storage = new MemoryStore();
  const tokens = createTokenStore(null, storage);
  await tokens.save({ accessToken: 'a', refreshToken: 'r' });
  let online = true;
  let hold: Promise<void> | undefined;
  const fake = fakeAdapter(async (r): Promise<FakeAnswer> => {
    if (!online) throw new Error('offline');
    if (hold) await hold;
    if (r.url === '/v1/photos') return { status: 200, body: { items: [photo('p1'), photo('p2')], nextCursor: null } };
    return { status: 200, body: photo(r.url.split('/').pop()!) };
  });
  const api = createApiClient({ baseURL: 'http://api.test', tokens, adapter: fake.adapter });
  const library = createLibrary(api, createCache({ store: storage, scope: 'u1' }), storage, 'u1');
  return { library, requests: fake.requests, setOnline: (v: boolean) => (online = v), hold: (p: Promise<void> | undefined) => (hold = p) };
}

test('the timeline renders from the cache at once, before the server answers', async () => {
  const { library, requests, hold } = await setup();
  await (await library.timelinePage()).fresh;
  expect(requests[0]!.params).toEqual({ limit: TIMELINE_PAGE_SIZE });
  let release!: () => void;
  hold(new Promise((r) => (release = r)));
  const second = await library.timelinePage();
  expect(second.cached?.value.items.map((p) => p.id)).toEqual(['p1', 'p2']);
  release();
  await expect(second.fresh).resolves.toMatchObject({ nextCursor: null });
});

test('offline on a first visit: nothing cached, the GET waits; when the network returns it fills the cache', async () => {
  const { library, setOnline } = await setup();
  setOnline(false);
  const first = await library.timelinePage();
  expect(first.cached).toBeUndefined();
  await expect(first.fresh).rejects.toMatchObject({ status: 0 });
  await library.photo('p9').then((r) => r.fresh.catch(() => undefined));
  expect(await library.fetches.size()).toBe(2);

  setOnline(true);
  expect(await library.replayPending()).toEqual({ done: 2, left: 0 });
  setOnline(false);
  expect((await library.timelinePage()).cached?.value.items).toHaveLength(2);
  expect((await library.photo('p9')).cached?.value).toMatchObject({ id: 'p9', thumbhash: 'th' });
});
