import type { FastifyInstance } from 'fastify';
import { LEASE_MS } from '../../src/albums/album-member-jobs.js';
import { MAX_MEMBERS } from '../../src/albums/album-members-service.js';
import type { RecordedEvent } from '../../src/local/eventbridge.js';
import { client, registeredUser, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { jobsSettled, startLibraryApp, uploadPhoto } from '../helpers/photos.js';
import { jpeg, settled } from '../helpers/uploads.js';

/**
 * Sharing an album with other users over the real HTTP API: by email in any case, roles, "shared with
 * me", the member list, what a contributor's photos cost whom, what a viewer sees, object-scoped URLs,
 * leaving and removal (the next request is a 404), AlbumShared once per share, and the durable
 * follow-ups when their job is lost.
 */
jest.setTimeout(120_000);

type User = Awaited<ReturnType<typeof registeredUser>>;
interface Album {
  id: string;
  role: string;
  photoCount: number;
}
interface Member {
  userId: string;
  email: string;
  name?: string;
  role: string;
  addedAt: string;
}
interface AlbumPhoto {
  id: string;
  addedBy: { userId?: string };
  urls: { thumbnail?: string; preview?: string; original?: string };
}

let server: Awaited<ReturnType<typeof startLibraryApp>>;
let api: ApiClient;
const app = (): FastifyInstance => server.app;
let ada: User;
let cleo: User;
let vic: User;
let sam: User;
let albumId: string;
/** Ada's photos: one in the album, one never shared. */
const adas = { shared: { id: '', size: 0 }, private: { id: '', size: 0 } };
const cleos: { id: string; size: number }[] = [];

async function upload(user: User, seed: number): Promise<{ id: string; size: number }> {
  const { photoId, size } = await uploadPhoto(api, user.accessToken, await jpeg(seed));
  return { id: photoId, size };
}

const usage = async (user: User) => (await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', user.accessToken)).body.usage;
const albumPhotos = async (user: User) => api.get<{ items: AlbumPhoto[] }>(`/v1/albums/${albumId}/photos`, user.accessToken);
const shareEvents = async (album: string) => {
  const all = (await (await fetch(new URL('/events', app().config.aws.endpoints.eventbridge))).json()) as RecordedEvent[];
  return all.filter((e) => e['detail-type'] === 'AlbumShared' && (e.detail as { albumId: string }).albumId === album).map((e) => e.detail);
};
const share = (by: User, album: string, email: string, role: string) => api.post<Member & { errors?: { path: string }[] }>(`/v1/albums/${album}/members`, { email, role }, by.accessToken);
const mixedCase = (email: string) => [...email].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');

beforeAll(async () => {
  server = await startLibraryApp();
  api = client(server.url);
  [ada, cleo, vic, sam] = await Promise.all([registeredUser(api, 'members-ada'), registeredUser(api, 'members-cleo'), registeredUser(api, 'members-vic'), registeredUser(api, 'members-sam')]);
  adas.shared = await upload(ada, 101);
  adas.private = await upload(ada, 102);
  cleos.push(await upload(cleo, 201), await upload(cleo, 202));
  await settled(api, ada.accessToken, [adas.shared.id, adas.private.id]);
  await settled(api, cleo.accessToken, cleos.map((p) => p.id));
  const created = await api.post<Album>('/v1/albums', { name: 'Summer' }, ada.accessToken);
  expect(created.status).toBe(201);
  albumId = created.body.id;
  const added = await api.post<{ results: { result: string }[] }>(`/v1/albums/${albumId}/photos`, { photoIds: [adas.shared.id] }, ada.accessToken);
  expect(added.body.results).toEqual([{ photoId: adas.shared.id, result: 'added' }]);
});
afterAll(() => server?.close());

describe('sharing an album with other users', () => {
  it('shares by email in any case (201), changes a role (200), and names body.email for an address without an account (404)', async () => {
    const added = await share(ada, albumId, mixedCase(cleo.email), 'contributor');
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ userId: cleo.userId, email: cleo.email.toLowerCase(), name: 'Ada Lovelace', role: 'contributor', addedAt: expect.any(String) });

    const vicAdded = await share(ada, albumId, vic.email, 'contributor');
    expect(vicAdded.status).toBe(201);
    const demoted = await share(ada, albumId, vic.email.toUpperCase(), 'viewer');
    expect(demoted.status).toBe(200);
    expect(demoted.body).toEqual({ ...vicAdded.body, role: 'viewer' });
    expect((await share(ada, albumId, vic.email, 'viewer')).body).toEqual(demoted.body);
    expect((await api.get<Album>(`/v1/albums/${albumId}`, vic.accessToken)).body.role).toBe('viewer');

    const unknown = await share(ada, albumId, `nobody-${Date.now()}@example.com`, 'viewer');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body.errors).toEqual([{ path: 'body.email', message: expect.any(String) }]);
    const self = await share(ada, albumId, ada.email, 'viewer');
    expect(self.status).toBe(400);
    expect(self.body.errors).toEqual([{ path: 'body.email', message: expect.any(String) }]);
    // Only the owner shares; a stranger does not learn the album exists.
    expect((await share(cleo, albumId, sam.email, 'viewer')).status).toBe(403);
    expect((await share(sam, albumId, sam.email, 'viewer')).status).toBe(404);
  });

  it('publishes AlbumShared once per share, with ids only, and clears its due entry', async () => {
    const events = await waitUntil(async () => {
      const found = await shareEvents(albumId);
      return found.length >= 2 ? found : undefined;
    });
    await jobsSettled(app());
    expect(await shareEvents(albumId)).toHaveLength(2);
    expect(events).toEqual(
      expect.arrayContaining([
        { eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), albumId, ownerId: ada.userId, memberId: cleo.userId, role: 'contributor' },
        // The role it was shared with: a later role change is no new share.
        { eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), albumId, ownerId: ada.userId, memberId: vic.userId, role: 'contributor' },
      ]),
    );
    for (const member of [cleo, vic]) {
      const item = await app().albumMembers.repository.get(albumId, member.userId);
      expect(item).toBeDefined();
      expect(item?.shareDueAt).toBeUndefined();
    }
  });

  it('lists the album under "shared with me" with each member\'s role, newest shared first, paged', async () => {
    const shared = async (user: User, query = '') => api.get<{ items: Album[]; nextCursor: string | null }>(`/v1/albums/shared${query}`, user.accessToken);
    expect((await shared(cleo)).body).toEqual({ items: [expect.objectContaining({ id: albumId, role: 'contributor', photoCount: 1 })], nextCursor: null });
    expect((await shared(vic)).body.items).toEqual([expect.objectContaining({ id: albumId, role: 'viewer' })]);
    expect((await shared(sam)).body).toEqual({ items: [], nextCursor: null });
    expect((await shared(ada)).body.items).toEqual([]);

    // An older album shared later comes first.
    const second = (await api.post<Album>('/v1/albums', { name: 'Older album, shared later' }, ada.accessToken)).body.id;
    expect((await share(ada, second, cleo.email, 'viewer')).status).toBe(201);
    const first = await shared(cleo, '?limit=1');
    expect(first.body.items.map((a) => [a.id, a.role])).toEqual([[second, 'viewer']]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await shared(cleo, `?limit=1&cursor=${encodeURIComponent(first.body.nextCursor!)}`);
    expect(next.body.items.map((a) => a.id)).toEqual([albumId]);
    expect(next.body.nextCursor).toBeNull();
    // A cursor is the listing's and the user's: another user's is refused.
    const stolen = await shared(vic, `?cursor=${encodeURIComponent(first.body.nextCursor!)}`);
    expect(stolen.status).toBe(400);
    expect((stolen.body as unknown as { errors: { path: string }[] }).errors[0]!.path).toBe('querystring.cursor');
    expect((await api.delete(`/v1/albums/${second}`, ada.accessToken)).status).toBe(204);
    expect((await shared(cleo)).body.items.map((a) => a.id)).toEqual([albumId]);
  });

  it('lists the owner and the members for the owner and each member, not for anyone else', async () => {
    const expected = [
      { userId: ada.userId, email: ada.email.toLowerCase(), name: 'Ada Lovelace', role: 'owner', addedAt: expect.any(String) },
      { userId: cleo.userId, email: cleo.email.toLowerCase(), name: 'Ada Lovelace', role: 'contributor', addedAt: expect.any(String) },
      { userId: vic.userId, email: vic.email.toLowerCase(), name: 'Ada Lovelace', role: 'viewer', addedAt: expect.any(String) },
    ];
    for (const user of [ada, cleo, vic]) {
      const list = await api.get<{ items: Member[] }>(`/v1/albums/${albumId}/members`, user.accessToken);
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual(expected);
    }
    expect((await api.get(`/v1/albums/${albumId}/members`, sam.accessToken)).status).toBe(404);
  });

  it("a contributor's photos count against the contributor's quota, not the owner's", async () => {
    const [adaBefore, cleoBefore] = [await usage(ada), await usage(cleo)];
    expect(adaBefore).toMatchObject({ photos: 2, bytes: adas.shared.size + adas.private.size });
    expect(cleoBefore).toMatchObject({ photos: 2, bytes: cleos[0]!.size + cleos[1]!.size });
    const added = await api.post<{ results: unknown[] }>(`/v1/albums/${albumId}/photos`, { photoIds: cleos.map((p) => p.id) }, cleo.accessToken);
    expect(added.status).toBe(200);
    expect(added.body.results).toEqual(cleos.map((p) => ({ photoId: p.id, result: 'added' })));
    // A contributor adds only their own photos.
    const foreign = await api.post<{ results: unknown[] }>(`/v1/albums/${albumId}/photos`, { photoIds: [adas.private.id] }, cleo.accessToken);
    expect(foreign.body.results).toEqual([{ photoId: adas.private.id, result: 'notFound' }]);
    expect(await usage(ada)).toEqual(adaBefore);
    expect(await usage(cleo)).toEqual(cleoBefore);
    expect((await api.get<Album>(`/v1/albums/${albumId}`, ada.accessToken)).body.photoCount).toBe(3);
    const photos = await albumPhotos(ada);
    expect(photos.body.items.map((p) => p.id).sort()).toEqual([adas.shared.id, ...cleos.map((p) => p.id)].sort());
    for (const p of photos.body.items) expect(p.addedBy.userId).toBe(cleos.some((c) => c.id === p.id) ? cleo.userId : ada.userId);
  });

  it("a viewer cannot add (403) and sees the album's photos only, through object-scoped URLs", async () => {
    const own = await upload(vic, 301);
    await settled(api, vic.accessToken, [own.id]);
    expect((await api.post(`/v1/albums/${albumId}/photos`, { photoIds: [own.id] }, vic.accessToken)).status).toBe(403);
    expect((await api.post(`/v1/albums/${albumId}/photos/remove`, { photoIds: [adas.shared.id] }, vic.accessToken)).status).toBe(403);
    expect((await api.get(`/v1/photos/${adas.private.id}`, vic.accessToken)).status).toBe(404);
    const photos = await albumPhotos(vic);
    expect(photos.body.items.map((p) => p.id).sort()).toEqual([adas.shared.id, ...cleos.map((p) => p.id)].sort());

    const shared = photos.body.items.find((p) => p.id === adas.shared.id)!;
    for (const url of [shared.urls.original!, shared.urls.thumbnail!, shared.urls.preview!]) {
      const opened = await fetch(url);
      await opened.arrayBuffer();
      expect(opened.status).toBe(200);
      // The same URL with the path edited to Ada's unshared photo: the store refuses it.
      const edited = new URL(url);
      edited.pathname = edited.pathname.replace(adas.shared.id, adas.private.id);
      expect(edited.pathname).toContain(adas.private.id);
      const refused = await fetch(edited);
      await refused.arrayBuffer();
      expect(refused.status).toBe(403);
    }
  });

  it('a member removes only themself (403 for another); the owner cannot leave (400)', async () => {
    expect((await api.delete(`/v1/albums/${albumId}/members/${vic.userId}`, cleo.accessToken)).status).toBe(403);
    expect((await api.delete(`/v1/albums/${albumId}/members/${ada.userId}`, cleo.accessToken)).status).toBe(403);
    const owner = await api.delete<{ errors: { path: string }[] }>(`/v1/albums/${albumId}/members/${ada.userId}`, ada.accessToken);
    expect(owner.status).toBe(400);
    expect(owner.body.errors[0]!.path).toBe('params.userId');
    expect((await api.delete(`/v1/albums/${albumId}/members/${sam.userId}`, sam.accessToken)).status).toBe(404);
  });

  it("leaving takes the contributor's photos out of the album, not out of their library; the next request is a 404", async () => {
    const [adaBefore, cleoBefore] = [await usage(ada), await usage(cleo)];
    expect((await api.delete(`/v1/albums/${albumId}/members/${cleo.userId}`, cleo.accessToken)).status).toBe(204);
    expect((await api.get(`/v1/albums/${albumId}`, cleo.accessToken)).status).toBe(404);
    expect((await albumPhotos(cleo)).status).toBe(404);
    expect((await api.get(`/v1/albums/${albumId}/members`, cleo.accessToken)).status).toBe(404);
    expect((await api.delete(`/v1/albums/${albumId}/members/${cleo.userId}`, cleo.accessToken)).status).toBe(404);
    expect((await api.get<{ items: Album[] }>('/v1/albums/shared', cleo.accessToken)).body.items).toEqual([]);

    await jobsSettled(app());
    await waitUntil(async () => ((await api.get<Album>(`/v1/albums/${albumId}`, ada.accessToken)).body.photoCount === 1 ? true : undefined));
    expect((await albumPhotos(ada)).body.items.map((p) => p.id)).toEqual([adas.shared.id]);
    expect(await app().albumMembers.repository.getDeparture(albumId, cleo.userId)).toBeUndefined();
    for (const p of cleos) expect((await api.get<{ status: string }>(`/v1/photos/${p.id}`, cleo.accessToken)).body.status).toBe('ready');
    const timeline = await api.get<{ items: { id: string }[] }>('/v1/photos', cleo.accessToken);
    expect(timeline.body.items.map((p) => p.id).sort()).toEqual(cleos.map((p) => p.id).sort());
    expect(await usage(cleo)).toEqual(cleoBefore);
    expect(await usage(ada)).toEqual(adaBefore);
    expect((await api.get<{ items: Member[] }>(`/v1/albums/${albumId}/members`, ada.accessToken)).body.items.map((m) => m.userId)).toEqual([ada.userId, vic.userId]);
  });

  it('the owner removes a member (idempotent); the removed member gets 404 on the next request', async () => {
    expect((await api.get(`/v1/albums/${albumId}`, vic.accessToken)).status).toBe(200);
    expect((await api.delete(`/v1/albums/${albumId}/members/${vic.userId}`, ada.accessToken)).status).toBe(204);
    expect((await api.delete(`/v1/albums/${albumId}/members/${vic.userId}`, ada.accessToken)).status).toBe(204);
    for (const path of [`/v1/albums/${albumId}`, `/v1/albums/${albumId}/photos`, `/v1/albums/${albumId}/members`]) {
      expect((await api.get(path, vic.accessToken)).status).toBe(404);
    }
    expect((await api.get<{ items: Album[] }>('/v1/albums/shared', vic.accessToken)).body.items).toEqual([]);
    expect((await api.get<{ items: Member[] }>(`/v1/albums/${albumId}/members`, ada.accessToken)).body.items.map((m) => m.userId)).toEqual([ada.userId]);
    await jobsSettled(app());
  });

  it('sharing again is a new share: a new AlbumShared event', async () => {
    expect((await share(ada, albumId, cleo.email, 'viewer')).status).toBe(201);
    await waitUntil(async () => ((await shareEvents(albumId)).length >= 3 ? true : undefined));
    await jobsSettled(app());
    const events = await shareEvents(albumId);
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => (e as { eventId: string }).eventId)).size).toBe(3);
    expect(events.filter((e) => (e as { memberId: string }).memberId === cleo.userId).map((e) => (e as { role: string }).role).sort()).toEqual(['contributor', 'viewer']);
  });
});

describe('durable follow-ups: a job lost after the membership transaction', () => {
  it('a departure whose job was lost is handed out by the sweep; photos leave the album once', async () => {
    const album = (await api.post<Album>('/v1/albums', { name: 'Crash' }, ada.accessToken)).body.id;
    expect((await share(ada, album, sam.email, 'contributor')).status).toBe(201);
    const own = await upload(sam, 401);
    await settled(api, sam.accessToken, [own.id]);
    expect((await api.post(`/v1/albums/${album}/photos`, { photoIds: [own.id] }, sam.accessToken)).status).toBe(200);
    // As if the process died right after the transaction: the departure is written, no job was sent.
    const members = app().albumMembers.repository;
    const member = (await members.get(album, sam.userId))!;
    const removedAt = new Date().toISOString();
    expect(await members.remove(member, { albumId: album, userId: sam.userId, removedAt, dueAt: new Date(Date.now() + LEASE_MS).toISOString() })).toBe(true);
    expect((await api.get(`/v1/albums/${album}`, sam.accessToken)).status).toBe(404);
    expect((await api.get<Album>(`/v1/albums/${album}`, ada.accessToken)).body.photoCount).toBe(1);

    // Not before it is due (a job may still be on its way); then once.
    expect(await app().albumMembers.jobs.sweep(new Date())).toMatchObject({ departures: 0 });
    expect(await app().albumMembers.jobs.sweep(new Date(Date.now() + LEASE_MS + 1000))).toMatchObject({ departures: 1 });
    await jobsSettled(app());
    expect((await api.get<Album>(`/v1/albums/${album}`, ada.accessToken)).body.photoCount).toBe(0);
    expect(await members.getDeparture(album, sam.userId)).toBeUndefined();
    expect((await api.get(`/v1/photos/${own.id}`, sam.accessToken)).status).toBe(200);
    expect(await app().albumMembers.jobs.sweep(new Date(Date.now() + 2 * LEASE_MS + 1000))).toMatchObject({ departures: 0 });
  });

  it('sharing again with a user whose departure is still pending finishes it first: it never takes out later photos', async () => {
    const album = (await api.post<Album>('/v1/albums', { name: 'Back again' }, ada.accessToken)).body.id;
    expect((await share(ada, album, sam.email, 'contributor')).status).toBe(201);
    const [before, after] = [await upload(sam, 601), await upload(sam, 602)];
    await settled(api, sam.accessToken, [before.id, after.id]);
    expect((await api.post(`/v1/albums/${album}/photos`, { photoIds: [before.id] }, sam.accessToken)).status).toBe(200);
    const members = app().albumMembers.repository;
    // Removed, and its job not run yet (as if lost).
    const removedAt = new Date().toISOString();
    expect(await members.remove((await members.get(album, sam.userId))!, { albumId: album, userId: sam.userId, removedAt, dueAt: new Date(Date.now() + LEASE_MS).toISOString() })).toBe(true);
    expect((await api.get<Album>(`/v1/albums/${album}`, ada.accessToken)).body.photoCount).toBe(1);

    expect((await share(ada, album, sam.email, 'contributor')).status).toBe(201);
    expect(await members.getDeparture(album, sam.userId)).toBeUndefined();
    expect((await api.get<Album>(`/v1/albums/${album}`, ada.accessToken)).body.photoCount).toBe(0);
    expect((await api.post(`/v1/albums/${album}/photos`, { photoIds: [after.id] }, sam.accessToken)).status).toBe(200);
    // The old departure's job, delivered late, and the sweep leave the new photo where it is.
    await app().albumMembers.jobs.finishDeparture({ albumId: album, userId: sam.userId, removedAt });
    await app().albumMembers.jobs.sweep(new Date(Date.now() + LEASE_MS + 1000));
    await jobsSettled(app());
    expect((await api.get<{ items: AlbumPhoto[] }>(`/v1/albums/${album}/photos`, ada.accessToken)).body.items.map((p) => p.id)).toEqual([after.id]);
  });

  it('a share whose AlbumShared job was lost is published once by the sweep', async () => {
    const album = (await api.post<Album>('/v1/albums', { name: 'Lost event' }, ada.accessToken)).body.id;
    const addedAt = new Date().toISOString();
    const outcome = await app().albumMembers.repository.add({
      albumId: album,
      userId: vic.userId,
      ownerId: ada.userId,
      role: 'viewer',
      addedAt,
      shareDueAt: new Date(Date.now() + LEASE_MS).toISOString(),
    }, MAX_MEMBERS);
    expect(outcome).toBe('added');
    expect((await api.get<Album>(`/v1/albums/${album}`, vic.accessToken)).body.role).toBe('viewer');
    expect(await app().albumMembers.jobs.sweep(new Date(Date.now() + LEASE_MS + 1000))).toMatchObject({ shares: 1 });
    await jobsSettled(app());
    expect(await shareEvents(album)).toEqual([{ eventId: expect.any(String), albumId: album, ownerId: ada.userId, memberId: vic.userId, role: 'viewer' }]);
    expect(await app().albumMembers.jobs.sweep(new Date(Date.now() + 2 * LEASE_MS + 1000))).toMatchObject({ shares: 0 });
    // Publishing again (a redelivered job) sends nothing new: runOnce holds the key.
    await app().albumMembers.jobs.publishShared({ albumId: album, ownerId: ada.userId, memberId: vic.userId, role: 'viewer', addedAt });
    expect(await shareEvents(album)).toHaveLength(1);
  });

  it('an album is shared with at most 50 people (409); the count holds members without a profile too', async () => {
    expect(MAX_MEMBERS).toBe(50);
    const album = (await api.post<Album>('/v1/albums', { name: 'Crowded' }, ada.accessToken)).body.id;
    const members = app().albumMembers.repository;
    const ghost = (i: number) => ({ albumId: album, userId: `ghost-${i}`, ownerId: ada.userId, role: 'viewer' as const, addedAt: new Date().toISOString(), shareDueAt: new Date(Date.now() + 3_600_000).toISOString() });
    for (let i = 0; i < 49; i++) expect(await members.add(ghost(i), MAX_MEMBERS)).toBe('added');
    // Two shares race for the last place: the count is taken in the share's transaction, so one wins.
    const race = await Promise.all([share(ada, album, cleo.email, 'viewer'), share(ada, album, vic.email, 'viewer')]);
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = race[0]!.status === 409 ? cleo : vic;
    expect(race.find((r) => r.status === 409)!.body).toMatchObject({ detail: 'An album is shared with at most 50 people' });
    expect((await api.get(`/v1/albums/${album}`, loser.accessToken)).status).toBe(404);
    expect(await members.add(ghost(49), MAX_MEMBERS)).toBe('full');
    // Members whose account is gone are not listed.
    expect((await api.get<{ items: Member[] }>(`/v1/albums/${album}/members`, ada.accessToken)).body.items.map((m) => m.userId)).toEqual([ada.userId, race[0]!.status === 201 ? cleo.userId : vic.userId]);
    // A removal gives the place back.
    expect((await api.delete(`/v1/albums/${album}/members/ghost-0`, ada.accessToken)).status).toBe(204);
    expect((await share(ada, album, loser.email, 'viewer')).status).toBe(201);
    expect((await share(ada, album, sam.email, 'viewer')).status).toBe(409);
  });

  it('ending a membership of an album deleted meanwhile neither fails nor leaves a stub of the album', async () => {
    const album = (await api.post<Album>('/v1/albums', { name: 'Going' }, ada.accessToken)).body.id;
    expect((await share(ada, album, sam.email, 'viewer')).status).toBe(201);
    const members = app().albumMembers.repository;
    const member = (await members.get(album, sam.userId))!;
    // The album's delete transaction, with its clear-album job not run yet (due in an hour).
    const removedAt = new Date().toISOString();
    expect(await app().albums.repository.delete({ albumId: album, ownerId: ada.userId }, removedAt, new Date(Date.now() + 3_600_000).toISOString())).toBe(true);
    expect(await members.remove(member, { albumId: album, userId: sam.userId, removedAt, dueAt: removedAt })).toBe(true);
    expect(await members.get(album, sam.userId)).toBeUndefined();
    expect(await app().albums.repository.get(album)).toBeUndefined();
    expect((await api.get(`/v1/albums/${album}`, ada.accessToken)).status).toBe(404);
  });

  it('a member who deletes their account leaves every album at once and can no longer be found by email', async () => {
    const dan = await registeredUser(api, 'members-dan');
    const album = (await api.post<Album>('/v1/albums', { name: 'Dan leaves' }, ada.accessToken)).body.id;
    expect((await share(ada, album, dan.email, 'contributor')).status).toBe(201);
    const photo = await upload(dan, 501);
    await settled(api, dan.accessToken, [photo.id]);
    expect((await api.post(`/v1/albums/${album}/photos`, { photoIds: [photo.id] }, dan.accessToken)).status).toBe(200);
    expect((await api.get<Album>(`/v1/albums/${album}`, ada.accessToken)).body.photoCount).toBe(1);

    expect((await api.delete('/v1/me', dan.accessToken)).status).toBe(202);
    // At once, before the deletion job has run: no member, no address to share with.
    expect((await api.get<{ items: Member[] }>(`/v1/albums/${album}/members`, ada.accessToken)).body.items.map((m) => m.userId)).toEqual([ada.userId]);
    expect(await app().albumMembers.repository.get(album, dan.userId)).toBeUndefined();
    expect((await share(ada, album, dan.email, 'viewer')).status).toBe(404);
    await jobsSettled(app());
    expect((await api.get<Album>(`/v1/albums/${album}`, ada.accessToken)).body.photoCount).toBe(0);
    expect(await app().albumMembers.repository.getDeparture(album, dan.userId)).toBeUndefined();
  });
});
