import { PutObjectCommand } from '@aws-sdk/client-s3';
import { tombstoneFor } from '../../src/data/deletions.js';
import { photoKeys } from '../../src/photos/photo-id.js';
import { client, registeredUser } from '../helpers/accounts.js';
import { jobsSettled, objectExists, seedPhoto, startLibraryApp, usageFromRecords } from '../helpers/photos.js';

jest.setTimeout(30_000);

/** Races between processing and the user, at the repository (what the processing job relies on). */
describe('a photo trashed while it is processing', () => {
  let server: Awaited<ReturnType<typeof startLibraryApp>>;
  beforeAll(async () => (server = await startLibraryApp()));
  afterAll(() => server.close());

  it('stays in the trash with its purge date when processing finishes', async () => {
    const api = client(server.url);
    const user = await registeredUser(api, 'race-trash');
    const { repository } = server.app.photos;
    const seeded = await seedPhoto(server.app, user.userId, { status: 'processing' });
    const readByJob = (await repository.get(user.userId, seeded.photoId))!;

    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);

    const ready = {
      width: 10,
      height: 10,
      takenAt: '2024-01-01T00:00:00Z',
      takenAtUtc: '2024-01-01T00:00:00.000Z',
      thumbhash: 'AAAA',
      derivatives: { thumbnail: 't', preview: 'p' },
      contentType: 'image/jpeg',
    };
    // The job's stale read (not trashed) no longer matches: it must not put the photo back.
    expect(await repository.markReady(readByJob, ready)).toBe(false);
    const fresh = (await repository.get(user.userId, seeded.photoId))!;
    expect(await repository.markReady(fresh, ready)).toBe(true);

    const timeline = await api.get<{ items: { id: string }[] }>('/v1/photos', user.accessToken);
    expect(timeline.body.items.map((p) => p.id)).not.toContain(seeded.photoId);
    const trash = await api.get<{ items: { id: string; status: string }[] }>('/v1/trash', user.accessToken);
    expect(trash.body.items).toEqual([expect.objectContaining({ id: seeded.photoId, status: 'ready' })]);

    // Until PhotoUploaded is out, the photo's GSI2 entry is the reconciliation's, not the purge's.
    const in31Days = new Date(Date.now() + 31 * 24 * 3600 * 1000);
    expect((await repository.listDue('PROCESS', in31Days.toISOString(), 1000)).map((p) => p.photoId)).toContain(seeded.photoId);
    expect((await repository.listDue('PURGE', in31Days.toISOString(), 1000)).map((p) => p.photoId)).not.toContain(seeded.photoId);
    // The job announces it (as PhotoProcessor does): the purge entry takes over, due at the purge date.
    const readyRecord = (await repository.get(user.userId, seeded.photoId))!;
    expect(await repository.finishPipeline(readyRecord)).toBe(true);
    expect((await repository.listDue('PROCESS', in31Days.toISOString(), 1000)).map((p) => p.photoId)).not.toContain(seeded.photoId);
    const purgeDue = await repository.listDue('PURGE', in31Days.toISOString(), 1000);
    expect(purgeDue.find((p) => p.photoId === seeded.photoId)).toMatchObject({ purgeAt: readyRecord.purgeAt });

    await server.app.photos.sweepers.purgeExpiredTrash(in31Days);
    await jobsSettled(server.app);
    expect(await repository.get(user.userId, seeded.photoId)).toBeUndefined();
  });

  it('keeps its reconciliation entry through trash and restore (a stuck pipeline is still found)', async () => {
    const api = client(server.url);
    const user = await registeredUser(api, 'race-restore');
    const { repository } = server.app.photos;
    const seeded = await seedPhoto(server.app, user.userId, { status: 'processing' });
    const due = seeded.processingDueAt!;
    const after = new Date(Date.parse(due) + 1000).toISOString();
    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);
    expect((await repository.listDue('PROCESS', after, 1000)).map((p) => p.photoId)).toContain(seeded.photoId);
    expect((await api.post(`/v1/photos/${seeded.photoId}/restore`, undefined, user.accessToken)).status).toBe(200);
    expect((await repository.listDue('PROCESS', after, 1000)).map((p) => p.photoId)).toContain(seeded.photoId);
    expect(await repository.get(user.userId, seeded.photoId)).toMatchObject({ status: 'processing', processingDueAt: due });
  });
});

/**
 * Every conditional removal pins the state its caller decided on, so a race never releases bytes
 * twice nor deletes what the user changed meanwhile (the usage released is the status's, as read).
 */
describe('conditional removals', () => {
  let server: Awaited<ReturnType<typeof startLibraryApp>>;
  let user: Awaited<ReturnType<typeof registeredUser>>;
  beforeAll(async () => {
    server = await startLibraryApp();
    user = await registeredUser(client(server.url), 'guards');
  });
  afterAll(() => server.close());
  const usage = async () => {
    const profile = (await server.app.users.getProfile(user.userId))!;
    return { photos: profile.photoCount, bytes: profile.bytes };
  };

  it('a purge decided on one trash entry does nothing once the photo was restored and trashed again', async () => {
    const { repository } = server.app.photos;
    const api = client(server.url);
    const seeded = await seedPhoto(server.app, user.userId);
    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);
    const seen = (await repository.get(user.userId, seeded.photoId))!;
    expect((await api.post(`/v1/photos/${seeded.photoId}/restore`, undefined, user.accessToken)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);
    const before = await usage();

    expect(await repository.remove(seen, 'trashed', tombstoneFor(seen, new Date()))).toBe(false);
    expect(await repository.get(user.userId, seeded.photoId)).toMatchObject({ status: 'ready', trashedAt: expect.any(String) });
    expect(await usage()).toEqual(before);
    expect(await server.app.photos.deletions.getTombstone(user.userId, seeded.photoId)).toBeUndefined();
  });

  it('an abandoned-upload removal does nothing once the upload got fresh URLs', async () => {
    const { repository } = server.app.photos;
    const seeded = await seedPhoto(server.app, user.userId, { status: 'uploading', uploadExpiresAt: new Date(Date.now() - 3600_000).toISOString() });
    const seen = (await repository.get(user.userId, seeded.photoId))!;
    const later = new Date(Date.now() + 900_000).toISOString();
    await repository.extendUpload(user.userId, seeded.photoId, later);
    expect((await repository.get(user.userId, seeded.photoId))!.uploadExpiresAt).toBe(later);
    const before = await usage();
    expect(await repository.remove(seen, 'uploading', tombstoneFor(seen, new Date()))).toBe(false);
    expect(await repository.get(user.userId, seeded.photoId)).toMatchObject({ status: 'uploading' });
    expect(await usage()).toEqual(before);
  });

  it('of racing removals of one photo, exactly one releases its bytes', async () => {
    const { repository } = server.app.photos;
    const api = client(server.url);
    const seeded = await seedPhoto(server.app, user.userId);
    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);
    const seen = (await repository.get(user.userId, seeded.photoId))!;
    const before = await usage();
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => server.app.photos.library.purgeTrashed(seen)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await usage()).toEqual({ photos: before.photos - 1, bytes: before.bytes - seeded.size });
    expect(await usage()).toEqual(await usageFromRecords(server.app, user.userId));
    expect(await objectExists(server.app, seeded.s3Key)).toBe(false);
  });

  it('a restore decided on a processing photo does nothing once it became ready (it must go back to the timeline)', async () => {
    const { repository } = server.app.photos;
    const api = client(server.url);
    const seeded = await seedPhoto(server.app, user.userId, { status: 'processing' });
    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);
    const seen = (await repository.get(user.userId, seeded.photoId))!;
    const ready = { width: 10, height: 10, takenAt: '2024-01-01T00:00:00Z', takenAtUtc: '2024-01-01T00:00:00.000Z', thumbhash: 'AAAA', derivatives: { thumbnail: 't', preview: 'p' }, contentType: 'image/jpeg' };
    expect(await repository.markReady(seen, ready)).toBe(true);
    expect(await repository.restore(seen)).toBe(false);
    // Through the API the restore re-reads and puts the photo back on the timeline.
    expect((await api.post(`/v1/photos/${seeded.photoId}/restore`, undefined, user.accessToken)).status).toBe(200);
    const timeline = await api.get<{ items: { id: string }[] }>('/v1/photos?limit=200', user.accessToken);
    expect(timeline.body.items.map((p) => p.id)).toContain(seeded.photoId);
  });

  it('a purge that died after its transaction (record gone, objects not yet) is finished by the sweep', async () => {
    const { repository } = server.app.photos;
    const api = client(server.url);
    const seeded = await seedPhoto(server.app, user.userId);
    expect((await api.delete(`/v1/photos/${seeded.photoId}`, user.accessToken)).status).toBe(204);
    const seen = (await repository.get(user.userId, seeded.photoId))!;
    // The transaction alone, as if the process died before deleting the objects.
    expect(await repository.remove(seen, 'trashed', tombstoneFor(seen, new Date()))).toBe(true);
    expect(await repository.get(user.userId, seeded.photoId)).toBeUndefined();
    expect(await objectExists(server.app, seeded.s3Key)).toBe(true);
    expect(await objectExists(server.app, photoKeys.thumbnail(user.userId, seeded.photoId))).toBe(true);

    await server.app.photos.sweepers.finishTombstones(new Date(Date.now() + 1000));
    expect(await objectExists(server.app, seeded.s3Key)).toBe(false);
    expect(await objectExists(server.app, photoKeys.thumbnail(user.userId, seeded.photoId))).toBe(false);
    expect(await objectExists(server.app, photoKeys.preview(user.userId, seeded.photoId))).toBe(false);
  });

  it('a rejection leaves a tombstone: the object goes, and goes again after the URL died', async () => {
    const { repository } = server.app.photos;
    const seeded = await seedPhoto(server.app, user.userId, { status: 'processing' });
    const before = await usage();
    expect(await repository.reject(seeded, 'not-an-image', Math.floor(Date.now() / 1000))).toBe(true);
    expect(await usage()).toEqual({ photos: before.photos - 1, bytes: before.bytes - seeded.size });
    const tombstone = (await server.app.photos.deletions.getTombstone(user.userId, seeded.photoId))!;
    expect(Date.parse(tombstone.urlDeadAt)).toBe(Date.parse(seeded.uploadExpiresAt) + 10 * 60_000);

    // The table is shared with other test files: judge by this tombstone and its object, not by counts.
    await server.app.photos.sweepers.finishTombstones(new Date(Date.now() + 1000));
    expect(await objectExists(server.app, seeded.s3Key)).toBe(false);
    // Rescheduled to when the URL is dead; a PUT through the URL meanwhile is deleted then.
    expect(await server.app.photos.deletions.getTombstone(user.userId, seeded.photoId)).toMatchObject({ dueAt: tombstone.urlDeadAt });
    await server.app.aws.s3.send(new PutObjectCommand({ Bucket: server.app.resources.bucket, Key: seeded.s3Key, Body: 'late' }));
    await server.app.photos.sweepers.finishTombstones(new Date(Date.parse(tombstone.urlDeadAt) - 1000));
    expect(await objectExists(server.app, seeded.s3Key)).toBe(true);
    expect(await server.app.photos.deletions.getTombstone(user.userId, seeded.photoId)).toMatchObject({ dueAt: tombstone.urlDeadAt });
    await server.app.photos.sweepers.finishTombstones(new Date(Date.parse(tombstone.urlDeadAt) + 1000));
    expect(await objectExists(server.app, seeded.s3Key)).toBe(false);
    expect(await server.app.photos.deletions.getTombstone(user.userId, seeded.photoId)).toBeUndefined();
  });
});
