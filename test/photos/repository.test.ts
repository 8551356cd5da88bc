import { client, registeredUser, startAccountsApp } from '../helpers/accounts.js';
import { seedPhoto } from '../helpers/photos.js';

/** Races between processing and the user, at the repository (what the processing job relies on). */
describe('a photo trashed while it is processing', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  beforeAll(async () => (server = await startAccountsApp({ SWEEP_INTERVAL_SECONDS: '0' })));
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

    const in31Days = new Date(Date.now() + 31 * 24 * 3600 * 1000);
    await server.app.photos.sweepers.purgeExpiredTrash(in31Days);
    expect(await repository.get(user.userId, seeded.photoId)).toBeUndefined();
  });
});
