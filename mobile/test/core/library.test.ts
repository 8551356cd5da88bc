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

describe('trash and mutations', () => {
  type P = ReturnType<typeof photo> & { trashedAt?: string };
  const at = (id: string, takenAt: string, extra: Partial<P> = {}): P => ({ ...photo(id), takenAt, ...extra });

  /** A small server: a timeline in two pages (cursor "t2"), a trash in one, and what the test says for mutations. */
  async function server(init: { timeline: P[][]; trash: P[]; onDelete?: (id: string) => FakeAnswer }) {
    const storage = new MemoryStore();
    const tokens = createTokenStore(null, storage);
    await tokens.save({ accessToken: 'a', refreshToken: 'r' });
    // `gate`: GET /v1/photos reads the state when it arrives and answers once the gate opens.
    const state = { timeline: init.timeline, trash: init.trash, online: true, gate: undefined as Promise<void> | undefined };
    const fake = fakeAdapter(async (r): Promise<FakeAnswer> => {
      if (!state.online) throw new Error('offline');
      const cursor = (r.params as { cursor?: string } | undefined)?.cursor;
      if (r.method === 'GET' && r.url === '/v1/photos') {
        const index = cursor ? Number(cursor.slice(1)) - 1 : 0;
        const body = { items: state.timeline[index], nextCursor: index + 1 < state.timeline.length ? `t${index + 2}` : null };
        if (state.gate) await state.gate;
        return { status: 200, body };
      }
      if (r.method === 'GET' && r.url === '/v1/trash') return { status: 200, body: { items: state.trash, nextCursor: null } };
      if (r.method === 'DELETE' && r.url === '/v1/trash') return { status: 202, body: { status: 'accepted' } };
      if (r.method === 'DELETE') return init.onDelete?.(r.url.split('/').pop()!) ?? { status: 204 };
      if (r.method === 'POST' && r.url.endsWith('/restore')) {
        const id = r.url.split('/')[3]!;
        const found = state.trash.find((p) => p.id === id)!;
        const { trashedAt: _gone, ...restored } = found;
        return { status: 200, body: restored };
      }
      return { status: 404, body: { title: 'Not Found', status: 404 } };
    });
    const api = createApiClient({ baseURL: 'http://api.test', tokens, adapter: fake.adapter });
    const library = createLibrary(api, createCache({ store: storage, scope: 'u1' }), storage, 'u1');
    const ids = async (listing: 'timeline' | 'trash') => (await library.cachedPages(listing)).map((p) => p.page.items.map((i) => i.id));
    return { library, state, requests: fake.requests, ids };
  }

  const twoPages = () => [
    [at('d', '2026-11-24T10:00:00Z'), at('c', '2026-11-23T10:00:00Z')],
    [at('b', '2026-11-21T10:00:00Z'), at('a', '2026-11-20T10:00:00Z')],
  ];

  test('the trash is read through the cache like the timeline, under its own names', async () => {
    const { library, requests, state } = await server({ timeline: twoPages(), trash: [at('t1', '2026-11-01T00:00:00Z', { trashedAt: '2026-11-30T00:00:00Z' })] });
    expect((await library.trashPage()).cached).toBeUndefined();
    await (await library.trashPage()).fresh;
    expect(requests.at(-1)).toMatchObject({ url: '/v1/trash', params: { limit: TIMELINE_PAGE_SIZE } });
    state.online = false;
    const offline = await library.trashPage();
    expect(offline.cached?.value.items.map((p) => p.id)).toEqual(['t1']);
    await expect(offline.fresh).rejects.toMatchObject({ status: 0 });
    expect((await library.timelinePage()).cached).toBeUndefined();
  });

  test('cachedPages follows nextCursor through the saved pages and stops at the first missing one', async () => {
    const { library, ids } = await server({ timeline: twoPages(), trash: [] });
    expect(await library.cachedPages('timeline')).toEqual([]);
    await (await library.timelinePage()).fresh;
    expect(await ids('timeline')).toEqual([['d', 'c']]);
    await (await library.timelinePage('t2')).fresh;
    expect((await library.cachedPages('timeline')).map((p) => p.cursor)).toEqual([undefined, 't2']);
  });

  test('moving to trash sends DELETE, takes the photo out of the cached timeline and puts it first in the cached trash', async () => {
    const { library, requests, ids } = await server({ timeline: twoPages(), trash: [at('old', '2026-10-01T00:00:00Z', { trashedAt: '2026-11-01T00:00:00Z' })] });
    await (await library.timelinePage()).fresh;
    await (await library.timelinePage('t2')).fresh;
    await (await library.trashPage()).fresh;

    await library.moveToTrash('b');
    expect(requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/photos/b' });
    expect(await ids('timeline')).toEqual([['d', 'c'], ['a']]);
    expect(await ids('trash')).toEqual([['b', 'old']]);
    const trashed = (await library.photo('b')).cached?.value;
    expect(trashed?.trashedAt).toEqual(expect.any(String));
  });

  test('a photo already gone (404) leaves the cached timeline too, and the error reaches the screen', async () => {
    const { library, ids } = await server({ timeline: twoPages(), trash: [], onDelete: () => ({ status: 404, body: { title: 'Not Found', status: 404 } }) });
    await (await library.timelinePage()).fresh;
    await expect(library.moveToTrash('c')).rejects.toMatchObject({ status: 404 });
    expect(await ids('timeline')).toEqual([['d']]);
  });

  test('a failed DELETE (offline) changes nothing in the cache', async () => {
    const { library, state, ids } = await server({ timeline: twoPages(), trash: [] });
    await (await library.timelinePage()).fresh;
    state.online = false;
    await expect(library.moveToTrash('c')).rejects.toMatchObject({ status: 0 });
    expect(await ids('timeline')).toEqual([['d', 'c']]);
  });

  test('restoring takes the photo out of the cached trash and back into the cached timeline where it was taken', async () => {
    const trashed = at('r', '2026-11-22T10:00:00Z', { trashedAt: '2026-11-30T00:00:00Z' });
    const { library, requests, ids } = await server({ timeline: twoPages(), trash: [trashed, at('s', '2026-01-01T00:00:00Z', { trashedAt: '2026-11-29T00:00:00Z' })] });
    await (await library.timelinePage()).fresh;
    await (await library.timelinePage('t2')).fresh;
    await (await library.trashPage()).fresh;

    const restored = await library.restore('r');
    expect(requests.at(-1)).toMatchObject({ method: 'POST', url: '/v1/photos/r/restore' });
    expect(restored.trashedAt).toBeUndefined();
    expect(await ids('trash')).toEqual([['s']]);
    // 22 Nov sorts between c (23 Nov, end of page 1) and b (21 Nov): first place on page 2.
    expect(await ids('timeline')).toEqual([['d', 'c'], ['r', 'b', 'a']]);
    expect((await library.photo('r')).cached?.value.trashedAt).toBeUndefined();
  });

  test('emptying the trash sends DELETE /v1/trash; the cached trash is empty at once and the photos the job has not purged yet stay hidden', async () => {
    const inTrash = [at('t1', '2026-11-01T00:00:00Z', { trashedAt: '2026-11-30T10:00:00Z' }), at('t2', '2026-11-02T00:00:00Z', { trashedAt: '2026-11-29T10:00:00Z' })];
    const { library, requests, state, ids } = await server({ timeline: twoPages(), trash: inTrash });
    await (await library.trashPage()).fresh;

    await library.emptyTrash();
    expect(requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/trash' });
    expect(await ids('trash')).toEqual([[]]);
    // The job still runs: the server lists them, plus one trashed afterwards.
    state.trash = [at('later', '2026-11-03T00:00:00Z', { trashedAt: '2026-11-30T11:00:00Z' }), ...inTrash];
    const next = await library.trashPage();
    expect(next.cached?.value.items).toEqual([]);
    expect((await next.fresh).items.map((p) => p.id)).toEqual(['later']);
  });

  test('a timeline GET already on its way when a photo is trashed does not bring it back: it is asked again', async () => {
    const { library, state, requests, ids } = await server({ timeline: twoPages(), trash: [] });
    await (await library.timelinePage()).fresh;
    // The next GET reads the timeline before the DELETE and answers after it.
    let open!: () => void;
    state.gate = new Promise<void>((resolve) => (open = resolve));
    const slow = await library.timelinePage();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await library.moveToTrash('c');
    state.timeline = [[state.timeline[0]![0]!], state.timeline[1]!];
    state.gate = undefined;
    open();
    const fresh = await (await slow).fresh;
    expect(fresh.items.map((p) => p.id)).toEqual(['d']);
    expect(await ids('timeline')).toEqual([['d']]);
    expect(requests.filter((r) => r.method === 'GET' && r.url === '/v1/photos')).toHaveLength(3);
  });

  test('the viewer gets a photo the grid already had from the cached page, offline', async () => {
    const { library, state } = await server({ timeline: twoPages(), trash: [] });
    await (await library.timelinePage()).fresh;
    state.online = false;
    const result = await library.photo('c');
    expect(result.cached?.value).toMatchObject({ id: 'c', filename: 'c.jpg' });
    await expect(result.fresh).rejects.toMatchObject({ status: 0 });
  });
});
