import { randomUUID } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { retryDelaySeconds } from '../../src/jobs/consumer-pool.js';
import { DEFAULT_LEASE_SECONDS } from '../../src/jobs/idempotency.js';
import { JobQueue, parseEnvelope, serializeEnvelope } from '../../src/jobs/job-queue.js';
import { MAX_RECEIVES } from '../../src/jobs/queue-policy.js';
import { JobRegistry } from '../../src/jobs/registry.js';
import { loadConfig } from '../../src/config.js';
import { PROCESS_PHOTO_JOB, processPhotoJobId } from '../../src/photos/process-job.js';
import { PROCESSING_DEADLINE_MS } from '../../src/photos/reconcile.js';
import { COMPLETE_REQUEUE_AFTER_MS, UploadsService } from '../../src/photos/uploads-service.js';
import { client, registeredUser, startAccountsApp } from '../helpers/accounts.js';
import { localStack } from '../helpers/stack.js';
import { item, jpeg, put, type UploadAnswer } from '../helpers/uploads.js';
import { queueDepth, receiveAll, usePools, waitFor } from '../jobs/helpers.js';

/**
 * Job failures on the real pool and the local SQS, beside what test/jobs/ proves already (one failing job is retried
 * and dead-lettered; a welcome email delivered twice goes out once): failing jobs, more of them than there are
 * workers, never hold up the others; a photo job delivered twice at the same moment makes one photo, one event.
 */
const pools = usePools();
const { startPool } = pools;

describe('job failures', () => {
  it(`jobs that always throw, more than the workers, are dead-lettered after ${MAX_RECEIVES} receives while the others keep completing`, async () => {
    const { queueUrl, dlqUrl } = await pools.queues.create();
    const registry = new JobRegistry();
    const runs = new Map<string, number>();
    const done = new Map<number, number>();
    registry.register('poison', async (payload: { id: string }) => {
      runs.set(payload.id, (runs.get(payload.id) ?? 0) + 1);
      throw new Error('this job always fails');
    });
    registry.register('work', async (payload: { n: number }) => {
      done.set(payload.n, (done.get(payload.n) ?? 0) + 1);
    });
    const queue = new JobQueue({ sqs: pools.sqs, queueUrl, registry });
    const poison = Array.from({ length: 6 }, () => randomUUID());
    await queue.enqueueBatch(poison.map((id) => ({ type: 'poison', payload: { id } })));
    // 1, 1, 2, 4 and 8 s between receives: the poison jobs fail all along while the good jobs arrive.
    startPool(registry, queueUrl, { concurrency: 2, retryBaseMs: 500 });

    let dead = 0;
    const goodJobs = 30;
    for (let n = 0; n < goodJobs; n++) {
      await queue.enqueue('work', { n });
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(() => done.size === goodJobs, 20_000, 'the good jobs');
    dead = await queueDepth(pools.sqs, dlqUrl);
    // Done while the failing ones were still being retried, not after they were out of the way.
    expect(dead).toBeLessThan(poison.length);
    expect([...runs.values()].every((count) => count < MAX_RECEIVES)).toBe(true);

    const dlq = await receiveAll(pools.sqs, dlqUrl, poison.length, 40_000);
    expect(dlq.map((message) => (parseEnvelope(message.Body)?.payload as { id: string }).id).sort()).toEqual([...poison].sort());
    expect(poison.map((id) => runs.get(id))).toEqual(poison.map(() => MAX_RECEIVES));
    expect([...done.values()]).toEqual(Array.from({ length: goodJobs }, () => 1));
    expect(await queueDepth(pools.sqs, queueUrl)).toBe(0);
  }, 60_000);

  it('a photo job delivered twice at once: one ready photo, its derivatives, one PhotoUploaded, usage counted once', async () => {
    // Workers off in the app: the two copies are taken by a pool of two below, at the same moment.
    const server = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const { app } = server;
      const api = client(server.url);
      const user = await registeredUser(api, 'twice');
      // Its welcome job is not this test's business.
      await app.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: app.resources.queueUrl }));
      const bytes = await jpeg(50_001, 1024, 768);
      const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('twice', bytes)] }, user.accessToken)).body.items;
      expect(await put(answer!, bytes)).toBe(200);
      const photoId = answer!.photoId;
      expect((await api.post<{ items: { status: string }[] }>('/v1/uploads/complete', { items: [{ photoId }] }, user.accessToken)).body.items[0]!.status).toBe(
        'processing',
      );
      // The same envelope again, as SQS may deliver it (at-least-once).
      const body = serializeEnvelope({
        v: 1,
        id: processPhotoJobId(photoId),
        type: PROCESS_PHOTO_JOB,
        payload: { userId: user.userId, photoId },
        enqueuedAt: new Date().toISOString(),
      });
      await app.aws.sqs.send(new SendMessageCommand({ QueueUrl: app.resources.queueUrl, MessageBody: body }));
      expect(await queueDepth(app.aws.sqs, app.resources.queueUrl)).toBe(2);

      const { logs } = startPool(app.jobs.registry, app.resources.queueUrl, { concurrency: 2, retryBaseMs: 500 });
      await waitFor(async () => (await queueDepth(app.aws.sqs, app.resources.queueUrl)) === 0, 60_000, 'both copies to be done');
      const runs = logs.entries().filter((entry) => entry.type === PROCESS_PHOTO_JOB && (entry.msg === 'job done' || entry.msg === 'job failed'));
      expect(runs.filter((entry) => entry.msg === 'job done')).toHaveLength(2);

      const photo = await api.get<{ status: string; urls: { thumbnail?: string; preview?: string } }>(`/v1/photos/${photoId}`, user.accessToken);
      expect(photo.body.status).toBe('ready');
      for (const key of [`thumbnail`, `preview`] as const) expect((await fetch(photo.body.urls[key]!)).status).toBe(200);
      const record = (await app.photos.repository.get(user.userId, photoId))!;
      for (const key of Object.values(record.derivatives!)) {
        await expect(app.aws.s3.send(new HeadObjectCommand({ Bucket: app.resources.bucket, Key: key }))).resolves.toBeDefined();
      }
      const events = (await (await fetch(new URL('/events', localStack().endpoints.eventbridge))).json()) as { 'detail-type': string; detail: { photoId: string } }[];
      expect(events.filter((e) => e['detail-type'] === 'PhotoUploaded' && e.detail.photoId === photoId)).toHaveLength(1);
      const me = await api.get<{ usage: { photos: number; bytes: number } }>('/v1/me', user.accessToken);
      expect(me.body.usage).toMatchObject({ photos: 1, bytes: bytes.length });
      expect(await queueDepth(app.aws.sqs, app.resources.dlqUrl)).toBe(0);
    } finally {
      await server.close();
    }
  }, 90_000);

  it(`a repeated complete enqueues the photo's job again only ${COMPLETE_REQUEUE_AFTER_MS / 1000} s after its last enqueue, once for concurrent repeats`, async () => {
    const server = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const { app } = server;
      const api = client(server.url);
      const user = await registeredUser(api, 'again');
      await app.aws.sqs.send(new PurgeQueueCommand({ QueueUrl: app.resources.queueUrl }));
      const bytes = await jpeg(50_002);
      const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('again', bytes)] }, user.accessToken)).body.items;
      expect(await put(answer!, bytes)).toBe(200);
      const items = [{ photoId: answer!.photoId }];
      const depth = () => queueDepth(app.aws.sqs, app.resources.queueUrl);
      expect((await api.post('/v1/uploads/complete', { items }, user.accessToken)).status).toBe(200);
      expect(await depth()).toBe(1);
      // Repeated at once (the app's retry of a lost answer): the job just enqueued is enough.
      expect((await api.post('/v1/uploads/complete', { items }, user.accessToken)).body).toEqual({ items: [{ photoId: answer!.photoId, status: 'processing' }] });
      expect(await depth()).toBe(1);

      // The same service later: three repeats at once enqueue one job between them, and none for a while after.
      const later = (ms: number) =>
        new UploadsService({
          photos: app.photos.repository,
          users: app.users,
          s3: app.aws.s3,
          bucket: app.resources.bucket,
          presigner: app.presigner,
          limits: app.config.photos,
          enqueueProcessing: async (userId, photoId) => void (await app.jobs.enqueue(PROCESS_PHOTO_JOB, { userId, photoId }, { jobId: processPhotoJobId(photoId) })),
          processingDeadlineMs: PROCESSING_DEADLINE_MS,
          now: () => Date.now() + ms,
        });
      const repeats = await Promise.all([1, 2, 3].map(() => later(COMPLETE_REQUEUE_AFTER_MS + 1000).complete(user.userId, items)));
      expect(repeats.flat().map((a) => a.status)).toEqual(['processing', 'processing', 'processing']);
      expect(await depth()).toBe(2);
      await later(COMPLETE_REQUEUE_AFTER_MS + 2000).complete(user.userId, items);
      expect(await depth()).toBe(2);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('a claim left by a process that died inside an effect runs out before the job is dead-lettered', () => {
    // The crashed attempt claimed its runOnce key at receive 1; its message comes back when its visibility runs
    // out, then after each failed receive's backoff, each time finding the claim live until its lease ends. A
    // lease that outlives the last receive sends the job to the DLQ with its effect (a welcome email) never done.
    const { visibilitySeconds } = loadConfig({ STACK: 'local' }).workers;
    let lastReceiveAt = visibilitySeconds;
    for (let receive = 2; receive < MAX_RECEIVES; receive++) lastReceiveAt += retryDelaySeconds(receive);
    expect(DEFAULT_LEASE_SECONDS).toBeLessThanOrEqual(visibilitySeconds);
    expect(DEFAULT_LEASE_SECONDS).toBeLessThan(lastReceiveAt);
  });
});
