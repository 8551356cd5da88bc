import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../src/data/keys.js';
import type { PhotoRecord } from '../../../src/data/photos.js';
import { photoKeys } from '../../../src/photos/photo-id.js';
import { registeredUser, type ApiClient } from '../../helpers/accounts.js';
import { jobsSettled, libraryWithUsers, seedPhoto, type RegisteredUser } from '../../helpers/photos.js';

jest.setTimeout(60_000);

interface AlbumBody {
  id: string;
  name: string;
  ownerId: string;
  ownerName?: string;
  role: string;
  photoCount: number;
  cover: { photoId: string; thumbnail?: string } | null;
  createdAt: string;
  updatedAt: string;
}
interface AlbumPhotoBody {
  id: string;
  takenAt: string;
  addedAt: string;
  addedBy: { userId?: string; name: string; guest: boolean };
  urls: { thumbnail?: string; original?: string };
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Results {
  results: { photoId: string; result: string }[];
}
interface ProblemBody {
  type: string;
  status: number;
  errors?: { path: string }[];
}
type User = RegisteredUser;

const DAY = 24 * 3600 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

const library = libraryWithUsers('albums-ada', 'albums-bob');
const app = () => library.app;
let api: ApiClient;
let ada: User;
let bob: User;
// After libraryWithUsers' own beforeAll: jest runs a file's hooks in the order they are declared.
beforeAll(() => ({ api, users: [ada, bob] } = library));

async function patch<T>(path: string, body: unknown, token: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${library.url}${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

async function createAlbum(user: User, name: string): Promise<AlbumBody> {
  const created = await api.post<AlbumBody>('/v1/albums', { name }, user.accessToken);
  expect(created.status).toBe(201);
  return created.body;
}

async function add(user: User, albumId: string, photoIds: string[]) {
  return api.post<Results>(`/v1/albums/${albumId}/photos`, { photoIds }, user.accessToken);
}

async function album(user: User, albumId: string): Promise<AlbumBody> {
  const got = await api.get<AlbumBody>(`/v1/albums/${albumId}`, user.accessToken);
  expect(got.status).toBe(200);
  return got.body;
}

async function pageIds(user: User, albumId: string): Promise<string[]> {
  const page = await api.get<Page<AlbumPhotoBody>>(`/v1/albums/${albumId}/photos?limit=200`, user.accessToken);
  expect(page.status).toBe(200);
  return page.body.items.map((p) => p.id);
}

/**
 * Many ready photo records at once, written straight to the table (what an album reads of a photo:
 * the record and its timeline keys; no objects): seeding 60 through the pipeline takes seconds.
 */
async function readyRecords(userId: string, count: number): Promise<PhotoRecord[]> {
  const now = new Date().toISOString();
  const records = Array.from({ length: count }, (): PhotoRecord => {
    const photoId = randomBytes(16).toString('base64url');
    return { userId, photoId, status: 'ready', filename: `${photoId}.jpg`, contentType: 'image/jpeg', size: 1000, sha256: 'x', s3Key: photoKeys.original(userId, photoId), uploadExpiresAt: now, uploadedAt: now, takenAt: now, takenAtUtc: now };
  });
  for (let i = 0; i < records.length; i += 25) {
    const chunk = records.slice(i, i + 25).map((r) => ({ PutRequest: { Item: { ...keys.photo(userId, r.photoId), ...keys.timeline(userId, r.takenAtUtc!, r.photoId), ...r } } }));
    const answer = await app().aws.dynamo.send(new BatchWriteCommand({ RequestItems: { [app().resources.table]: chunk } }));
    expect(Object.keys(answer.UnprocessedItems ?? {})).toEqual([]);
  }
  return records;
}

/** Ada shares one of her albums through the members route. */
async function makeMember(albumId: string, user: User, role: 'viewer' | 'contributor') {
  const shared = await api.post(`/v1/albums/${albumId}/members`, { email: user.email, role }, ada.accessToken);
  expect([200, 201]).toContain(shared.status);
}

function expectValidation(response: { status: number; body: unknown }, path: string) {
  expect(response.status).toBe(400);
  expect((response.body as ProblemBody).errors?.map((e) => e.path)).toContain(path);
}

describe('albums', () => {
  it('create, rename, set and clear the cover; my albums newest first with counts and the cover thumbnail', async () => {
    const user = await registeredUser(api, 'albums-list');
    const first = await createAlbum(user, 'Holidays');
    expect(first).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{10,64}$/),
      name: 'Holidays',
      ownerId: user.userId,
      ownerName: 'Ada Lovelace',
      role: 'owner',
      photoCount: 0,
      cover: null,
      createdAt: expect.any(String),
      updatedAt: first.createdAt,
    });
    const second = await createAlbum(user, 'Second');
    const [p1, p2, outside] = await Promise.all([seedPhoto(app(), user.userId), seedPhoto(app(), user.userId), seedPhoto(app(), user.userId)]);
    expect((await add(user, first.id, [p1!.photoId, p2!.photoId])).body.results.map((r) => r.result)).toEqual(['added', 'added']);

    const renamed = await patch<AlbumBody>(`/v1/albums/${first.id}`, { name: '  Summer 2026 ' }, user.accessToken);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Summer 2026', photoCount: 2, cover: null });
    const covered = await patch<AlbumBody>(`/v1/albums/${first.id}`, { coverPhotoId: p2!.photoId }, user.accessToken);
    expect(covered.status).toBe(200);
    expect(covered.body.cover?.photoId).toBe(p2!.photoId);
    expect(new URL(covered.body.cover!.thumbnail!).pathname).toContain(photoKeys.thumbnail(user.userId, p2!.photoId));

    const listed = await api.get<Page<AlbumBody>>('/v1/albums', user.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((a) => a.id)).toEqual([second.id, first.id]);
    expect(listed.body.items[1]).toMatchObject({ name: 'Summer 2026', photoCount: 2, cover: { photoId: p2!.photoId, thumbnail: expect.stringContaining(p2!.photoId) } });
    expect(listed.body.items[0]).toMatchObject({ photoCount: 0, cover: null });
    expect(listed.body.nextCursor).toBeNull();

    // One album a page: two pages, then none.
    const one = await api.get<Page<AlbumBody>>('/v1/albums?limit=1', user.accessToken);
    expect(one.body.items.map((a) => a.id)).toEqual([second.id]);
    const two = await api.get<Page<AlbumBody>>(`/v1/albums?limit=1&cursor=${encodeURIComponent(one.body.nextCursor!)}`, user.accessToken);
    expect(two.body.items.map((a) => a.id)).toEqual([first.id]);
    expect(two.body.nextCursor).toBeNull();
    // Another user's album cursor is refused.
    expectValidation(await api.get(`/v1/albums?cursor=${encodeURIComponent(one.body.nextCursor!)}`, ada.accessToken), 'querystring.cursor');

    // The cover must be a photo of the album; {} changes nothing; null clears.
    expectValidation(await patch(`/v1/albums/${first.id}`, { coverPhotoId: outside!.photoId }, user.accessToken), 'body.coverPhotoId');
    expect((await patch(`/v1/albums/${first.id}`, {}, user.accessToken)).status).toBe(400);
    expectValidation(await api.post('/v1/albums', { name: '   ' }, user.accessToken), 'body.name');
    expectValidation(await api.post('/v1/albums', { name: 'x'.repeat(201) }, user.accessToken), 'body.name');
    const cleared = await patch<AlbumBody>(`/v1/albums/${first.id}`, { coverPhotoId: null }, user.accessToken);
    expect(cleared.body.cover).toBeNull();
    expect(cleared.body.updatedAt >= first.updatedAt).toBe(true);
  });

  it("an album's photos page by page, newest taken first: no skips, no repeats; cursors are bound to the album and the caller", async () => {
    const pages = await createAlbum(ada, 'Paging');
    const other = await createAlbum(ada, 'Other');
    const base = Date.parse('2021-03-01T10:00:00.000Z');
    const photos = await Promise.all([4, 0, 6, 2, 5, 1, 3].map((d) => seedPhoto(app(), ada.userId, { takenAt: iso(base + d * DAY), derivatives: false })));
    expect((await add(ada, pages.id, photos.map((p) => p.photoId))).status).toBe(200);
    await add(ada, other.id, [photos[0]!.photoId]);

    const seen: AlbumPhotoBody[] = [];
    let cursor: string | null = null;
    let late: PhotoRecord | undefined;
    let first: string | undefined;
    for (let i = 0; i < 10; i++) {
      const path: string = `/v1/albums/${pages.id}/photos?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { status: number; body: Page<AlbumPhotoBody> } = await api.get<Page<AlbumPhotoBody>>(path, ada.accessToken);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
      first ??= cursor ?? undefined;
      if (!cursor) break;
      if (!late) {
        // Taken before every other one: it lands on a later page, once.
        late = await seedPhoto(app(), ada.userId, { takenAt: iso(base - DAY), derivatives: false });
        await add(ada, pages.id, [late.photoId]);
      }
    }
    const expected = [...photos, late!].sort((a, b) => (a.takenAt! < b.takenAt! ? 1 : -1)).map((p) => p.photoId);
    expect(seen.map((p) => p.id)).toEqual(expected);
    for (const item of seen) expect(item.addedBy).toEqual({ userId: ada.userId, name: 'Ada Lovelace', guest: false });

    expectValidation(await api.get(`/v1/albums/${other.id}/photos?cursor=${encodeURIComponent(first!)}`, ada.accessToken), 'querystring.cursor');
    const timeline = await api.get<Page<unknown>>('/v1/photos?limit=1', ada.accessToken);
    expectValidation(await api.get(`/v1/albums/${pages.id}/photos?cursor=${encodeURIComponent(timeline.body.nextCursor!)}`, ada.accessToken), 'querystring.cursor');
    // A member reads the album, but not with the owner's cursor; their URLs for Ada's photos are object-scoped.
    await makeMember(pages.id, bob, 'viewer');
    expectValidation(await api.get(`/v1/albums/${pages.id}/photos?cursor=${encodeURIComponent(first!)}`, bob.accessToken), 'querystring.cursor');
    const toJson = jest.spyOn(app().photos.library, 'toJson');
    try {
      expect(await pageIds(bob, pages.id)).toEqual(expected);
      expect(toJson.mock.calls.map((call) => call[1])).toEqual(expected.map(() => 'object'));
      toJson.mockClear();
      await pageIds(ada, pages.id);
      expect(toJson.mock.calls.map((call) => call[1])).toEqual(expected.map(() => 'owner'));
    } finally {
      toJson.mockRestore();
    }
  });

  it('adds and removes in batches of up to 200 with a result per id; 201 ids or none is a 400', async () => {
    const target = await createAlbum(ada, 'Batch');
    const [mine, processing, trashed, bobs] = await Promise.all([
      readyRecords(ada.userId, 60),
      seedPhoto(app(), ada.userId, { status: 'processing' }),
      seedPhoto(app(), ada.userId, { derivatives: false }),
      seedPhoto(app(), bob.userId, { derivatives: false }),
    ]);
    expect((await api.delete(`/v1/photos/${trashed.photoId}`, ada.accessToken)).status).toBe(204);
    const ids = mine.map((p) => p.photoId);
    const unknown = Array.from({ length: 200 - 63 }, (_, i) => `no-such-photo-${i}`);
    const batch = [...ids, processing.photoId, trashed.photoId, bobs.photoId, ...unknown];
    const added = await add(ada, target.id, batch);
    expect(added.status).toBe(200);
    const expected = Object.fromEntries([
      ...ids.map((id) => [id, 'added']),
      [processing.photoId, 'notReady'],
      [trashed.photoId, 'notReady'],
      [bobs.photoId, 'notFound'],
      ...unknown.map((id) => [id, 'notFound']),
    ]);
    expect(added.body.results).toEqual(batch.map((id) => ({ photoId: id, result: expected[id] })));
    expect((await album(ada, target.id)).photoCount).toBe(60);
    expect((await add(ada, target.id, [ids[0]!, ids[0]!, ids[1]!])).body.results).toEqual([
      { photoId: ids[0], result: 'already' },
      { photoId: ids[1], result: 'already' },
    ]);
    expect((await album(ada, target.id)).photoCount).toBe(60);
    expect((await pageIds(ada, target.id)).sort()).toEqual([...ids].sort());

    expectValidation(await add(ada, target.id, [...batch, 'one-too-many']), 'body.photoIds');
    expectValidation(await add(ada, target.id, []), 'body.photoIds');
    expectValidation(await api.post(`/v1/albums/${target.id}/photos/remove`, { photoIds: [...batch, 'x'] }, ada.accessToken), 'body.photoIds');

    const removeBatch = [...ids.slice(0, 50), ...unknown, ...ids.slice(50, 60), bobs.photoId].slice(0, 200);
    const removed = await api.post<Results>(`/v1/albums/${target.id}/photos/remove`, { photoIds: removeBatch }, ada.accessToken);
    expect(removed.status).toBe(200);
    const removedIds = new Set(ids.slice(0, 50).concat(ids.slice(50, 60).filter((id) => removeBatch.includes(id))));
    expect(removed.body.results).toEqual(removeBatch.map((id) => ({ photoId: id, result: removedIds.has(id) ? 'removed' : 'notFound' })));
    expect((await album(ada, target.id)).photoCount).toBe(60 - removedIds.size);
    // Out of the album, still in the library.
    expect((await api.get(`/v1/photos/${ids[0]}`, ada.accessToken)).status).toBe(200);
    const again = await api.post<Results>(`/v1/albums/${target.id}/photos/remove`, { photoIds: [ids[0]] }, ada.accessToken);
    expect(again.body.results).toEqual([{ photoId: ids[0], result: 'notFound' }]);
  });

  it('a trashed photo leaves the album page and comes back on restore; purged, it leaves every album and the counts drop', async () => {
    const [a, b] = [await createAlbum(ada, 'Trash A'), await createAlbum(ada, 'Trash B')];
    const [q, r] = await Promise.all([seedPhoto(app(), ada.userId), seedPhoto(app(), ada.userId)]);
    await add(ada, a.id, [q.photoId, r.photoId]);
    await add(ada, b.id, [q.photoId]);
    await patch(`/v1/albums/${a.id}`, { coverPhotoId: q.photoId }, ada.accessToken);

    expect((await api.delete(`/v1/photos/${q.photoId}`, ada.accessToken)).status).toBe(204);
    expect(await pageIds(ada, a.id)).toEqual([r.photoId]);
    expect(await pageIds(ada, b.id)).toEqual([]);
    const whileTrashed = await album(ada, a.id);
    expect(whileTrashed.photoCount).toBe(2);
    expect(whileTrashed.cover).toEqual({ photoId: q.photoId });
    expect((await api.post(`/v1/photos/${q.photoId}/restore`, undefined, ada.accessToken)).status).toBe(200);
    expect((await pageIds(ada, a.id)).sort()).toEqual([q.photoId, r.photoId].sort());
    expect(await pageIds(ada, b.id)).toEqual([q.photoId]);

    expect((await api.delete(`/v1/photos/${q.photoId}`, ada.accessToken)).status).toBe(204);
    expect((await api.delete('/v1/trash', ada.accessToken)).status).toBe(202);
    await jobsSettled(app());
    expect((await api.get(`/v1/photos/${q.photoId}`, ada.accessToken)).status).toBe(404);
    expect(await album(ada, a.id)).toMatchObject({ photoCount: 1, cover: null });
    expect(await album(ada, b.id)).toMatchObject({ photoCount: 0 });
    expect(await pageIds(ada, a.id)).toEqual([r.photoId]);
    const left = await app().albums.entries.getEntries(a.id, [{ photoOwnerId: ada.userId, photoId: q.photoId }]);
    expect(left.size).toBe(0);
  });

  it('deleting an album: gone for everyone at once, its photos stay in the library, its partition and album ids are cleared', async () => {
    const doomed = await createAlbum(ada, 'Doomed');
    const [s, t] = await Promise.all([seedPhoto(app(), ada.userId), seedPhoto(app(), ada.userId)]);
    await add(ada, doomed.id, [s.photoId, t.photoId]);
    await makeMember(doomed.id, bob, 'viewer');
    expect((await api.get(`/v1/albums/${doomed.id}`, bob.accessToken)).status).toBe(200);
    expect((await api.delete(`/v1/albums/${doomed.id}`, bob.accessToken)).status).toBe(403);

    expect((await api.delete(`/v1/albums/${doomed.id}`, ada.accessToken)).status).toBe(204);
    for (const user of [ada, bob]) expect((await api.get(`/v1/albums/${doomed.id}`, user.accessToken)).status).toBe(404);
    expect((await api.delete(`/v1/albums/${doomed.id}`, ada.accessToken)).status).toBe(404);
    const mine = await api.get<Page<AlbumBody>>('/v1/albums?limit=200', ada.accessToken);
    expect(mine.body.items.map((a) => a.id)).not.toContain(doomed.id);
    for (const photo of [s, t]) expect((await api.get(`/v1/photos/${photo.photoId}`, ada.accessToken)).status).toBe(200);

    await jobsSettled(app());
    expect(await app().albums.repository.partitionPage(doomed.id, 10)).toEqual([]);
    const reverse = await app().aws.dynamo.send(new GetCommand({ TableName: app().resources.table, Key: keys.sharedAlbum(bob.userId, doomed.id), ConsistentRead: true }));
    expect(reverse.Item).toBeUndefined();
    const states = await app().albums.entries.photoStates(ada.userId, [s.photoId, t.photoId]);
    for (const state of states.values()) expect(state.albumIds?.has(doomed.id) ?? false).toBe(false);
    expect(states.size).toBe(2);
  });

  it("another user gets 404 on every album route and changes nothing; a viewer gets 403 on what their role does not allow", async () => {
    const kept = await createAlbum(ada, 'Private');
    const [photo, bobsPhoto] = await Promise.all([seedPhoto(app(), ada.userId), seedPhoto(app(), bob.userId)]);
    await add(ada, kept.id, [photo.photoId]);
    const before = await album(ada, kept.id);
    const path = `/v1/albums/${kept.id}`;
    const attempts = async () => [
      await api.get<ProblemBody>(path, bob.accessToken),
      await patch<ProblemBody>(path, { name: 'Mine now' }, bob.accessToken),
      await api.delete<ProblemBody>(path, bob.accessToken),
      await api.get<ProblemBody>(`${path}/photos`, bob.accessToken),
      await api.post<ProblemBody>(`${path}/photos`, { photoIds: [bobsPhoto.photoId] }, bob.accessToken),
      await api.post<ProblemBody>(`${path}/photos/remove`, { photoIds: [photo.photoId] }, bob.accessToken),
    ];
    for (const answer of await attempts()) {
      expect(answer.status).toBe(404);
      expect(answer.body.type).toMatch(/not-found$/);
    }
    // An unknown album is the same 404.
    expect((await api.get('/v1/albums/no-such-album', ada.accessToken)).status).toBe(404);
    expect(await album(ada, kept.id)).toEqual(before);
    expect(await pageIds(ada, kept.id)).toEqual([photo.photoId]);

    await makeMember(kept.id, bob, 'viewer');
    expect((await album(bob, kept.id)).role).toBe('viewer');
    const [, renamed, deleted, listed, addedByViewer, removedByViewer] = await attempts();
    for (const answer of [renamed, deleted, addedByViewer, removedByViewer]) {
      expect(answer!.status).toBe(403);
      expect(answer!.body.type).toMatch(/forbidden$/);
    }
    expect(listed!.status).toBe(200);
    expect(await album(ada, kept.id)).toEqual(before);
  });

  it('a contributor adds their own photos and removes only those; the owner removes anyone', async () => {
    const shared = await createAlbum(ada, 'Shared');
    const [adas, b1, b2] = await Promise.all([seedPhoto(app(), ada.userId), seedPhoto(app(), bob.userId), seedPhoto(app(), bob.userId)]);
    await add(ada, shared.id, [adas.photoId]);
    await makeMember(shared.id, bob, 'contributor');
    expect((await add(bob, shared.id, [b1.photoId, b2.photoId, adas.photoId])).body.results.map((r) => r.result)).toEqual(['added', 'added', 'notFound']);
    const page = await api.get<Page<AlbumPhotoBody>>(`/v1/albums/${shared.id}/photos`, ada.accessToken);
    expect(page.body.items.find((p) => p.id === b1.photoId)?.addedBy).toEqual({ userId: bob.userId, name: 'Ada Lovelace', guest: false });

    const byBob = await api.post<Results>(`/v1/albums/${shared.id}/photos/remove`, { photoIds: [b1.photoId, adas.photoId] }, bob.accessToken);
    expect(byBob.body.results).toEqual([
      { photoId: b1.photoId, result: 'removed' },
      { photoId: adas.photoId, result: 'forbidden' },
    ]);
    const byAda = await api.post<Results>(`/v1/albums/${shared.id}/photos/remove`, { photoIds: [b2.photoId] }, ada.accessToken);
    expect(byAda.body.results).toEqual([{ photoId: b2.photoId, result: 'removed' }]);
    expect((await album(ada, shared.id)).photoCount).toBe(1);
    expect(await pageIds(bob, shared.id)).toEqual([adas.photoId]);
  });
});
