import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { PROCESS_PHOTO_JOB } from '../../src/photos/process-job.js';
import { client, registeredUser, startAccountsApp } from '../helpers/accounts.js';
import { seedPhoto } from '../helpers/photos.js';

/**
 * The processing handler run directly, as the pool runs it, to pin what happens on failure:
 * a transient failure is retried (the handler throws), and the last attempt SQS allows rejects
 * the photo, so it never stays in `processing`.
 */
describe('process-photo job failures', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  beforeAll(async () => (server = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' })));
  afterAll(() => server.close());

  const run = (payload: { userId: string; photoId: string }, receiveCount: number) =>
    server.app.jobs.registry.get(PROCESS_PHOTO_JOB)!.handler(payload, {
      jobId: `process-photo:${payload.photoId}`,
      type: PROCESS_PHOTO_JOB,
      receiveCount,
      log: server.app.log,
      signal: new AbortController().signal,
    });

  it('retries while attempts remain, then ends rejected with its bytes released', async () => {
    const api = client(server.url);
    const user = await registeredUser(api, 'poison');
    const photo = await seedPhoto(server.app, user.userId, { status: 'processing' });
    // The original disappears: reading it fails every time.
    await server.app.aws.s3.send(new DeleteObjectCommand({ Bucket: server.app.resources.bucket, Key: photo.s3Key }));

    await expect(run(photo, 1)).rejects.toThrow();
    expect((await server.app.photos.repository.get(user.userId, photo.photoId))?.status).toBe('processing');

    await run(photo, 5);
    const after = await server.app.photos.repository.get(user.userId, photo.photoId);
    expect(after).toMatchObject({ status: 'rejected', rejectedReason: 'processing-failed' });
    const me = await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', user.accessToken);
    expect(me.body.usage).toMatchObject({ photos: 0, bytes: 0 });

    // A redelivery after that changes nothing.
    await run(photo, 6);
    expect((await server.app.photos.repository.get(user.userId, photo.photoId))?.status).toBe('rejected');
  });
});
