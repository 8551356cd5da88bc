import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { FastifyInstance } from 'fastify';
import type { JobContext } from '../../src/jobs/registry.js';
import { localEventBridge, type RecordedEvent } from '../../src/local/eventbridge.js';
import { freePort } from '../../src/local/ports.js';
import type { LocalService } from '../../src/local/service.js';
import { PROCESS_PHOTO_JOB, processPhotoJobId } from '../../src/photos/process-job.js';
import { PROCESSING_DEADLINE_MS, reconcileProcessing } from '../../src/photos/reconcile.js';
import { client, registeredUser, startAccountsApp, type ApiClient } from '../helpers/accounts.js';
import { testConfig } from '../helpers/stack.js';
import { item, jpeg, put, type UploadAnswer } from '../helpers/uploads.js';
import { queueDepth, receiveAll } from '../jobs/helpers.js';

/**
 * The processing job against the local stack, run the way the pool runs it (workers off, the handler
 * called with a delivery's context), on a private queue and a private EventBridge that can be stopped.
 * The decision logic itself is unit-tested in photo-processor.test.ts.
 */
describe('process-photo job on the local stack', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let app: FastifyInstance;
  let api: ApiClient;
  let eventbridge: LocalService;
  let queueUrl: string;

  beforeAll(async () => {
    const busName = testConfig().resources.eventBusName!;
    eventbridge = localEventBridge({ port: await freePort(), directory: fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-events-')), busNames: () => [busName] });
    await eventbridge.start();
    // A table of its own: the reconciliation below runs at a moved clock and must see only these photos.
    server = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' }, { privateTable: true, endpoints: { eventbridge: eventbridge.endpoint } });
    app = server.app;
    api = client(server.url);
    queueUrl = app.resources.queueUrl;
  });
  afterAll(async () => {
    await server.close();
    await eventbridge.stop();
  });
  const sqs = () => app.aws.sqs;

  const run = (payload: { userId: string; photoId: string }, receiveCount = 1) =>
    app.jobs.registry.get(PROCESS_PHOTO_JOB)!.handler(payload, {
      jobId: `process-photo:${payload.photoId}`,
      type: PROCESS_PHOTO_JOB,
      receiveCount,
      log: app.log,
      signal: new AbortController().signal,
    } satisfies JobContext);

  async function uploaded(label: string, seed: number) {
    const user = await registeredUser(api, label);
    const bytes = await jpeg(seed);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item(label, bytes)] }, user.accessToken)).body.items;
    expect(await put(answer!, bytes)).toBe(200);
    const completed = await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, user.accessToken);
    expect(completed.body.items[0]!.status).toBe('processing');
    return { user, photoId: answer!.photoId, bytes };
  }

  const events = async (photoId: string) => {
    const all = (await (await fetch(`${eventbridge.endpoint}/events`)).json()) as RecordedEvent[];
    return all.filter((e) => e['detail-type'] === 'PhotoUploaded' && (e.detail as { photoId: string }).photoId === photoId);
  };
  const record = (userId: string, photoId: string) => app.photos.repository.get(userId, photoId);

  it('an original that disappeared is rejected at once (permanent), its bytes released; redelivery changes nothing', async () => {
    const { user, photoId } = await uploaded('gone', 7001);
    const photo = (await record(user.userId, photoId))!;
    await app.aws.s3.send(new DeleteObjectCommand({ Bucket: app.resources.bucket, Key: photo.s3Key }));

    await run({ userId: user.userId, photoId });
    expect(await record(user.userId, photoId)).toMatchObject({ status: 'rejected', rejectedReason: 'original-missing' });
    const me = await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', user.accessToken);
    expect(me.body.usage).toMatchObject({ photos: 0, bytes: 0 });
    await run({ userId: user.userId, photoId }, 2);
    expect((await record(user.userId, photoId))?.status).toBe('rejected');
    expect(await events(photoId)).toEqual([]);
  });

  it('EventBridge down when the photo becomes ready: it stays ready, the retry publishes PhotoUploaded exactly once', async () => {
    const { user, photoId, bytes } = await uploaded('events', 7002);
    await eventbridge.stop();
    try {
      await expect(run({ userId: user.userId, photoId })).rejects.toThrow();
      expect((await record(user.userId, photoId))?.status).toBe('ready');
      // Even the last delivery SQS allows does not reject a photo for an outage.
      await expect(run({ userId: user.userId, photoId }, 99)).rejects.toThrow();
      expect((await record(user.userId, photoId))?.status).toBe('ready');
    } finally {
      await eventbridge.start();
    }
    expect(await events(photoId)).toHaveLength(0);
    await run({ userId: user.userId, photoId }, 3);
    await run({ userId: user.userId, photoId }, 4);
    const published = await events(photoId);
    expect(published).toHaveLength(1);
    expect(published[0]!.detail).toMatchObject({ userId: user.userId, photoId, contentType: 'image/jpeg', size: bytes.length });
    // The pipeline is finished: nothing is left for the reconciliation sweep.
    const later = new Date(Date.now() + 2 * PROCESSING_DEADLINE_MS);
    const enqueued: string[] = [];
    await reconcileProcessing({ photos: app.photos.repository, enqueueProcessing: async (_u, id) => void enqueued.push(id) }, later);
    expect(enqueued).not.toContain(photoId);
  });

  it('a lost job: the reconciliation sweep re-enqueues the photo once it is overdue, and it becomes ready', async () => {
    const { user, photoId } = await uploaded('lost', 7003);
    await sqs().send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    expect(await queueDepth(sqs(), queueUrl)).toBe(0);
    const deps = {
      photos: app.photos.repository,
      enqueueProcessing: async (userId: string, id: string) => {
        await app.jobs.enqueue(PROCESS_PHOTO_JOB, { userId, photoId: id }, { jobId: processPhotoJobId(id) });
      },
    };

    // Not overdue yet: nothing happens.
    expect((await reconcileProcessing(deps, new Date())).requeued).toBe(0);
    const overdue = new Date(Date.now() + PROCESSING_DEADLINE_MS + 60_000);
    const first = await reconcileProcessing(deps, overdue);
    expect(first).toEqual({ requeued: 1, skipped: 0, failed: 0 });
    // Claimed: a second instance sweeping at the same time does not enqueue it again.
    const second = await reconcileProcessing(deps, overdue);
    expect(second.requeued).toBe(0);

    const messages = await receiveAll(sqs(), queueUrl, 1, 5000);
    expect(messages.map((m) => JSON.parse(m.Body!))).toEqual([expect.objectContaining({ type: PROCESS_PHOTO_JOB, payload: { userId: user.userId, photoId } })]);
    await run({ userId: user.userId, photoId });
    expect((await record(user.userId, photoId))?.status).toBe('ready');
    expect(await events(photoId)).toHaveLength(1);
    const thumbnail = (await record(user.userId, photoId))!.derivatives!.thumbnail;
    await expect(app.aws.s3.send(new HeadObjectCommand({ Bucket: app.resources.bucket, Key: thumbnail }))).resolves.toBeDefined();
  });
});
