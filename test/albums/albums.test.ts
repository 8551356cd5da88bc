import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlbumAccess } from '../../src/albums/access.js';
import { keys } from '../../src/data/keys.js';
import { registeredUser, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { jobsSettled, libraryWithUsers, seedPhoto, uploadPhoto, type RegisteredUser } from '../helpers/photos.js';
import { jpeg } from '../helpers/uploads.js';

/** Albums beyond the routes: guests' photos, crashes and lost jobs, leaving contributors, account deletion. */
jest.setTimeout(60_000);

type User = RegisteredUser;
interface AlbumPhotoBody {
  id: string;
  addedAt: string;
  addedBy: { userId?: string; name: string; guest: boolean };
}

const library = libraryWithUsers('album-jobs-ada', 'album-jobs-bob');
const app = () => library.app;
let api: ApiClient;
let ada: User;
let bob: User;
// After libraryWithUsers' own beforeAll: jest runs a file's hooks in the order they are declared.
beforeAll(() => ({ api, users: [ada, bob] } = library));
const service = () => app().albums.service;
const owner = (user: User, albumId: string): AlbumAccess => ({ albumId, ownerId: user.userId, role: 'owner', actorId: user.userId });

async function newAlbum(user: User, name: string): Promise<string> {
  const created = await api.post<{ id: string }>('/v1/albums', { name }, user.accessToken);
  expect(created.status).toBe(201);
  return created.body.id;
}

async function count(albumId: string): Promise<number | undefined> {
  return (await app().albums.repository.get(albumId))?.photoCount;
}

async function photosOf(user: User, albumId: string): Promise<AlbumPhotoBody[]> {
  const page = await api.get<{ items: AlbumPhotoBody[] }>(`/v1/albums/${albumId}/photos?limit=200`, user.accessToken);
  expect(page.status).toBe(200);
  return page.body.items;
}

async function share(by: User, albumId: string, user: User, role: 'viewer' | 'contributor') {
  const shared = await api.post(`/v1/albums/${albumId}/members`, { email: user.email, role }, by.accessToken);
  expect([200, 201]).toContain(shared.status);
}

async function put(item: Record<string, unknown>) {
  await app().aws.dynamo.send(new PutCommand({ TableName: app().resources.table, Item: item }));
}

describe('album photos and jobs', () => {
  it("a guest's photo still uploading joins the album once processing made it ready (the PhotoUploaded step), once", async () => {
    const albumId = await newAlbum(ada, 'Collected');
    const link: AlbumAccess = { albumId, ownerId: ada.userId, role: 'link', actorId: 'link-1' };
    const { photoId } = await uploadPhoto(api, ada.accessToken, await jpeg(71), { complete: false });
    const guest = { name: 'Grace Hopper', linkId: 'link-1' };
    expect(await service().addGuestPhoto(link, photoId, guest)).toBe('pending');
    expect(await count(albumId)).toBe(0);

    expect((await api.post('/v1/uploads/complete', { items: [{ photoId }] }, ada.accessToken)).status).toBe(200);
    const placed = await waitUntil(async () => (await photosOf(ada, albumId)).find((p) => p.id === photoId), 20_000);
    expect(placed.addedBy).toEqual({ name: 'Grace Hopper', guest: true });
    await jobsSettled(app());
    const { Item } = await app().aws.dynamo.send(new GetCommand({ TableName: app().resources.table, Key: keys.photo(ada.userId, photoId), ConsistentRead: true }));
    expect(Item?.pendingAlbums?.[albumId]).toBeUndefined();
    expect([...(Item?.albumIds as Set<string>)]).toEqual([albumId]);
    // Placing again (a redelivered job, the reconciliation) and adding again change nothing.
    await service().placePending(ada.userId, photoId);
    expect(await service().addGuestPhoto(link, photoId, guest)).toBe('already');
    expect(await count(albumId)).toBe(1);

    const ready = await seedPhoto(app(), ada.userId);
    expect(await service().addGuestPhoto(link, ready.photoId, { name: 'Alan', linkId: 'link-1' })).toBe('added');
    expect(await count(albumId)).toBe(2);
  });

  it('a deleted album whose clearing job was lost is cleared by the sweep once its lease ran out; the marker goes last', async () => {
    const albumId = await newAlbum(ada, 'Lost job');
    const photo = await seedPhoto(app(), ada.userId);
    await service().addPhotos(owner(ada, albumId), [photo.photoId]);
    await put({ ...keys.shareLink(albumId, 'l1'), albumId });
    // As if the process died right after the deletion's transaction: the marker is due, no job was sent.
    const past = new Date(Date.now() - 1000).toISOString();
    expect(await app().albums.repository.delete({ albumId, ownerId: ada.userId }, past, past)).toBe(true);
    expect((await api.get(`/v1/albums/${albumId}`, ada.accessToken)).status).toBe(404);
    expect((await app().albums.repository.partitionPage(albumId, 10)).length).toBe(3);

    const swept = await app().albums.jobs.sweep(new Date());
    expect(swept.done).toBeGreaterThanOrEqual(1);
    await jobsSettled(app());
    expect(await app().albums.repository.partitionPage(albumId, 10)).toEqual([]);
    expect(await app().albums.repository.getDeletion(albumId)).toBeUndefined();
    const state = (await app().albums.entries.photoStates(ada.userId, [photo.photoId])).get(photo.photoId);
    expect(state?.albumIds).toBeUndefined();
    expect((await app().albums.jobs.sweep(new Date())).done).toBe(0);
  });

  it('a purge that crashed after leaving one album finishes the others on its retry; counts never drop twice', async () => {
    const [a, b] = [await newAlbum(ada, 'Crash A'), await newAlbum(ada, 'Crash B')];
    const [photo, other] = await Promise.all([seedPhoto(app(), ada.userId), seedPhoto(app(), ada.userId)]);
    await service().addPhotos(owner(ada, a), [photo.photoId, other.photoId]);
    await service().addPhotos(owner(ada, b), [photo.photoId]);
    expect((await api.delete(`/v1/photos/${photo.photoId}`, ada.accessToken)).status).toBe(204);
    const trashed = (await app().photos.repository.get(ada.userId, photo.photoId))!;
    // The first attempt left album A, then died.
    await app().albums.entries.remove(a, [{ photoOwnerId: ada.userId, photoId: photo.photoId }], new Date().toISOString(), { trashedAt: trashed.trashedAt! });
    expect([await count(a), await count(b)]).toEqual([1, 1]);

    expect(await app().photos.library.purgeTrashed((await app().photos.repository.get(ada.userId, photo.photoId))!)).toBe(true);
    expect([await count(a), await count(b)]).toEqual([1, 0]);
    expect((await photosOf(ada, a)).map((p) => p.id)).toEqual([other.photoId]);
    expect(await app().photos.repository.get(ada.userId, photo.photoId)).toBeUndefined();
  });

  it('a restore beats a purge that read the photo in the trash: the photo stays in its albums', async () => {
    const albumId = await newAlbum(ada, 'Restored');
    const photo = await seedPhoto(app(), ada.userId);
    await service().addPhotos(owner(ada, albumId), [photo.photoId]);
    expect((await api.delete(`/v1/photos/${photo.photoId}`, ada.accessToken)).status).toBe(204);
    const seen = (await app().photos.repository.get(ada.userId, photo.photoId))!;
    expect((await api.post(`/v1/photos/${photo.photoId}/restore`, undefined, ada.accessToken)).status).toBe(200);
    expect(await app().photos.library.purgeTrashed(seen)).toBe(false);
    expect(await count(albumId)).toBe(1);
    expect((await photosOf(ada, albumId)).map((p) => p.id)).toEqual([photo.photoId]);
  });

  it('racing adds and removes of the same photos: each photo is added once and removed once, the count stays exact', async () => {
    const albumId = await newAlbum(ada, 'Races');
    const photos = await Promise.all(Array.from({ length: 6 }, () => seedPhoto(app(), ada.userId, { derivatives: false })));
    const ids = photos.map((p) => p.photoId);
    const adds = await Promise.all(Array.from({ length: 4 }, () => service().addPhotos(owner(ada, albumId), ids)));
    for (const id of ids) expect(adds.flat().filter((r) => r.photoId === id && r.result === 'added')).toHaveLength(1);
    expect(await count(albumId)).toBe(6);
    const removes = await Promise.all(Array.from({ length: 4 }, () => service().removePhotos(owner(ada, albumId), ids)));
    for (const id of ids) expect(removes.flat().filter((r) => r.photoId === id && r.result === 'removed')).toHaveLength(1);
    expect(await count(albumId)).toBe(0);
    const states = await app().albums.entries.photoStates(ada.userId, ids);
    for (const state of states.values()) expect(state.albumIds).toBeUndefined();
  });

  it("removeContributions takes every photo of one owner out of the album, counts exact, and is idempotent", async () => {
    const albumId = await newAlbum(ada, 'Contributions');
    await share(ada, albumId, bob, 'contributor');
    const [adas, ...bobs] = await Promise.all([seedPhoto(app(), ada.userId), ...Array.from({ length: 3 }, () => seedPhoto(app(), bob.userId))]);
    await service().addPhotos(owner(ada, albumId), [adas!.photoId]);
    const asBob: AlbumAccess = { albumId, ownerId: ada.userId, role: 'contributor', actorId: bob.userId };
    expect((await service().addPhotos(asBob, bobs.map((p) => p.photoId))).map((r) => r.result)).toEqual(['added', 'added', 'added']);
    expect(await count(albumId)).toBe(4);
    expect(await service().removeContributions(albumId, bob.userId)).toBe(3);
    expect(await service().removeContributions(albumId, bob.userId)).toBe(0);
    expect(await count(albumId)).toBe(1);
    const states = await app().albums.entries.photoStates(bob.userId, bobs.map((p) => p.photoId));
    for (const state of states.values()) expect(state.albumIds).toBeUndefined();
    // A contributor made a viewer meanwhile adds nothing (the role is checked in the write).
    await share(ada, albumId, bob, 'viewer');
    await expect(service().addPhotos(asBob, [bobs[0]!.photoId])).rejects.toMatchObject({ statusCode: 403 });
    expect(await count(albumId)).toBe(1);
  });

  it("deleting an account deletes the user's albums and takes their photos out of albums shared with them", async () => {
    const carol = await registeredUser(api, 'album-jobs-carol');
    const own = await newAlbum(carol, "Carol's");
    const shared = await newAlbum(ada, 'With Carol');
    const [mine, contributed, adas] = await Promise.all([seedPhoto(app(), carol.userId), seedPhoto(app(), carol.userId), seedPhoto(app(), ada.userId)]);
    await service().addPhotos(owner(carol, own), [mine.photoId]);
    await share(ada, shared, carol, 'contributor');
    await service().addPhotos(owner(ada, shared), [adas.photoId]);
    await service().addPhotos({ albumId: shared, ownerId: ada.userId, role: 'contributor', actorId: carol.userId }, [contributed.photoId]);
    expect(await count(shared)).toBe(2);

    expect((await api.delete('/v1/me', carol.accessToken)).status).toBe(202);
    expect(await app().albums.repository.get(own)).toBeUndefined();
    await jobsSettled(app());
    // Carol left the album she was sharing in (the members' departure job), her photo with her.
    expect(await count(shared)).toBe(1);
    expect((await photosOf(ada, shared)).map((p) => p.id)).toEqual([adas.photoId]);
    expect(await app().albums.repository.partitionPage(own, 10)).toEqual([]);
    expect((await app().albums.repository.listOwned(carol.userId, 10, undefined, true)).albumIds).toEqual([]);
  });
});
