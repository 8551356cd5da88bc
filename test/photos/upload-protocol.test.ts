import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { PhotosRepository, type PhotoRecord } from '../../src/data/photos.js';
import { PROCESS_PHOTO_JOB, processPhotoJobId } from '../../src/photos/process-job.js';
import { UploadsService } from '../../src/photos/uploads-service.js';
import { client, registeredUser, startAccountsApp, waitUntil, type ApiClient } from '../helpers/accounts.js';
import { item, jpeg, put, settled, sha256Base64, type UploadAnswer } from '../helpers/uploads.js';
import { queueDepth } from '../jobs/helpers.js';

/** The promises of the upload protocol that races and repeats must not break (issue: pipeline integrity). */

interface Me {
  usage: { photos: number; bytes: number };
}
type Completed = { items: { photoId: string; status: string; error?: string }[] };
const MiB = 1024 * 1024;

describe('upload protocol: what was reserved is what is signed, completed once, served once verified', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  // Workers off: the tests count the jobs that were enqueued.
  beforeAll(async () => {
    server = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0' });
    api = client(server.url);
  });
  afterAll(() => server.close());

  const usage = async (token: string) => (await api.get<Me>('/v1/me', token)).body.usage;
  const runJob = (userId: string, photoId: string) =>
    server.app.jobs.registry.get(PROCESS_PHOTO_JOB)!.handler(
      { userId, photoId },
      { jobId: processPhotoJobId(photoId), type: PROCESS_PHOTO_JOB, receiveCount: 1, log: server.app.log, signal: new AbortController().signal },
    );

  it('a SHA-256 that is not canonical base64 of 32 bytes is a 400 naming the field, and nothing is reserved', async () => {
    const user = await registeredUser(api, 'sha');
    const bytes = await jpeg(8001);
    const canonical = sha256Base64(bytes);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // Same 32 bytes when decoded, but the 43rd character carries bits beyond the digest.
    const loose = canonical.slice(0, 42) + alphabet[alphabet.indexOf(canonical[42]!) | 1] + '=';
    expect(Buffer.from(loose, 'base64').equals(Buffer.from(canonical, 'base64'))).toBe(true);

    const refused = await api.post('/v1/uploads', { items: [{ ...item('loose', bytes), sha256: loose }] }, user.accessToken);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'body.items.0.sha256' })]);
    expect(await usage(user.accessToken)).toMatchObject({ photos: 0, bytes: 0 });
  });

  it('asking again for content still uploading: URLs for the recorded size and type; another size or type is a 409', async () => {
    const user = await registeredUser(api, 'again');
    const bytes = await jpeg(8002);
    const first = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('a', bytes)] }, user.accessToken)).body.items[0]!;

    const bigger = await api.post('/v1/uploads', { items: [{ ...item('a', bytes), size: 100 * MiB }] }, user.accessToken);
    expect(bigger.status).toBe(409);
    expect(bigger.body.errors).toEqual([expect.objectContaining({ path: 'body.items.0.size' })]);
    const png = await api.post('/v1/uploads', { items: [{ ...item('a', bytes), contentType: 'image/png' }] }, user.accessToken);
    expect(png.status).toBe(409);
    expect(await usage(user.accessToken)).toMatchObject({ photos: 1, bytes: bytes.length });

    const again = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('a', bytes)] }, user.accessToken);
    expect(again.status).toBe(200);
    expect(again.body.items[0]).toMatchObject({ status: 'upload', photoId: first.photoId });
    expect(again.body.items[0]!.upload!.headers).toMatchObject({ 'content-length': String(bytes.length), 'content-type': 'image/jpeg' });
    expect(await put(again.body.items[0]!, bytes)).toBe(200);
  });

  it('a photo id named twice in one complete, and five completes at once, enqueue its processing once', async () => {
    const user = await registeredUser(api, 'once');
    const [a, b] = [await jpeg(8003), await jpeg(8004)];
    const reserved = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('a', a), item('b', b)] }, user.accessToken)).body.items;
    await put(reserved[0]!, a);
    await put(reserved[1]!, b);
    const queueUrl = server.app.resources.queueUrl;
    const before = await queueDepth(server.app.aws.sqs, queueUrl);

    const twice = await api.post<Completed>('/v1/uploads/complete', { items: [{ photoId: reserved[0]!.photoId }, { photoId: reserved[0]!.photoId }] }, user.accessToken);
    expect(twice.body.items.map((i) => i.status)).toEqual(['processing', 'processing']);
    expect(await queueDepth(server.app.aws.sqs, queueUrl)).toBe(before + 1);

    const racing = await Promise.all(
      Array.from({ length: 5 }, () => api.post<Completed>('/v1/uploads/complete', { items: [{ photoId: reserved[1]!.photoId }] }, user.accessToken)),
    );
    expect(racing.every((r) => r.status === 200 && r.body.items[0]!.status === 'processing')).toBe(true);
    expect(await queueDepth(server.app.aws.sqs, queueUrl)).toBe(before + 2);
  });

  it('the original is served only once its bytes are verified: not while uploading or processing, nor when rejected', async () => {
    const user = await registeredUser(api, 'verified');
    const bytes = await jpeg(8005);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('v', bytes)] }, user.accessToken)).body.items;
    const urls = async () => (await api.get<{ status: string; urls: Record<string, string> }>(`/v1/photos/${answer!.photoId}`, user.accessToken)).body;

    await put(answer!, bytes);
    expect(await urls()).toMatchObject({ status: 'uploading' });
    expect((await urls()).urls.original).toBeUndefined();
    await api.post('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, user.accessToken);
    expect(await urls()).toMatchObject({ status: 'processing' });
    expect((await urls()).urls.original).toBeUndefined();
    await runJob(user.userId, answer!.photoId);
    const ready = await urls();
    expect(ready.status).toBe('ready');
    const original = await fetch(ready.urls.original!);
    expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true);

    const text = Buffer.from('not a photo at all');
    const [lie] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('t', text)] }, user.accessToken)).body.items;
    await put(lie!, text);
    await api.post('/v1/uploads/complete', { items: [{ photoId: lie!.photoId }] }, user.accessToken);
    await runJob(user.userId, lie!.photoId);
    const rejected = await api.get<{ status: string; urls: Record<string, string> }>(`/v1/photos/${lie!.photoId}`, user.accessToken);
    expect(rejected.body.status).toBe('rejected');
    expect(rejected.body.urls).toEqual({});
  });

  it('a complete that loses to a delete answers missing, never processing, and enqueues nothing', async () => {
    const user = await registeredUser(api, 'lost-race');
    const bytes = await jpeg(8006);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('r', bytes)] }, user.accessToken)).body.items;
    await put(answer!, bytes);
    // The user cancels the upload (or the sweeper removes it) between complete's HEAD and its status change.
    class DeletedMeanwhile extends PhotosRepository {
      override async markProcessing(userId: string, photoId: string, dueAt: string) {
        expect((await api.delete(`/v1/photos/${photoId}`, user.accessToken)).status).toBe(204);
        return super.markProcessing(userId, photoId, dueAt);
      }
    }
    const enqueued: string[] = [];
    const uploads = serviceOn(server.app, new DeletedMeanwhile(server.app.aws.dynamo, server.app.resources.table), { enqueued });
    const answers = await uploads.complete(user.userId, [{ photoId: answer!.photoId }]);
    expect(answers).toEqual([{ photoId: answer!.photoId, status: 'missing' }]);
    expect(enqueued).toEqual([]);
    expect(await usage(user.accessToken)).toMatchObject({ photos: 0, bytes: 0 });
  });

  it('an enqueue that fails after the status change still answers processing, with a deadline the reconciliation sweep acts on', async () => {
    const user = await registeredUser(api, 'no-queue');
    const bytes = await jpeg(8008);
    const [answer] = (await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('q', bytes)] }, user.accessToken)).body.items;
    await put(answer!, bytes);
    const uploads = serviceOn(server.app, server.app.photos.repository, {
      enqueueProcessing: async () => {
        throw new Error('SQS unreachable');
      },
    });
    const before = Date.now();
    expect(await uploads.complete(user.userId, [{ photoId: answer!.photoId }])).toEqual([{ photoId: answer!.photoId, status: 'processing' }]);
    const record = (await server.app.photos.repository.get(user.userId, answer!.photoId))!;
    expect(record.status).toBe('processing');
    expect(Date.parse(record.processingDueAt!) - before).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('a multipart upload shorter than reserved (a part left out) is rejected as size-mismatch and its bytes released', async () => {
    const small = await startAccountsApp({ WORKER_CONCURRENCY: '0', SWEEP_INTERVAL_SECONDS: '0', MULTIPART_THRESHOLD_BYTES: String(5 * MiB), MULTIPART_PART_BYTES: String(5 * MiB) });
    try {
      const smallApi = client(small.url);
      const user = await registeredUser(smallApi, 'short');
      const bytes = Buffer.alloc(11 * MiB, 7);
      const [answer] = (await smallApi.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('big', bytes, 'image/png', 'big.png')] }, user.accessToken)).body.items;
      const multipart = answer!.upload!.multipart!;
      expect(multipart.parts).toHaveLength(3);
      const parts = await Promise.all(
        multipart.parts.slice(0, 2).map(async (part) => {
          const response = await fetch(part.url, { method: 'PUT', body: bytes.subarray((part.partNumber - 1) * multipart.partSize, part.partNumber * multipart.partSize) });
          return { partNumber: part.partNumber, etag: response.headers.get('etag')! };
        }),
      );
      const completed = await smallApi.post<Completed>('/v1/uploads/complete', { items: [{ photoId: answer!.photoId, parts }] }, user.accessToken);
      expect(completed.body.items[0]).toEqual({ photoId: answer!.photoId, status: 'rejected', error: 'size-mismatch' });
      expect((await smallApi.get<Me>('/v1/me', user.accessToken)).body.usage).toMatchObject({ photos: 0, bytes: 0 });
    } finally {
      await small.close();
    }
  }, 60_000);
});

describe('upload protocol: multipart uploads exist only for reservations that hold', () => {
  let server: Awaited<ReturnType<typeof startAccountsApp>>;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startAccountsApp({
      WORKER_CONCURRENCY: '0',
      SWEEP_INTERVAL_SECONDS: '0',
      MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
      MULTIPART_PART_BYTES: String(5 * MiB),
      QUOTA_BYTES_DEFAULT: String(100 * MiB),
    });
    api = client(server.url);
  });
  afterAll(() => server.close());

  it('a batch over the quota creates no multipart upload', async () => {
    const user = await registeredUser(api, 'mp-quota');
    const s3 = recordingS3(server.app.aws.s3);
    const uploads = serviceOn(server.app, server.app.photos.repository, { s3 });
    const big = { clientRef: 'big', filename: 'big.png', contentType: 'image/png' as const, size: 200 * MiB, sha256: sha256Base64(Buffer.from('big')) };
    await expect(uploads.requestUploads(user.userId, [big])).rejects.toMatchObject({ statusCode: 409 });
    expect(s3.sent).toEqual([]);
  });

  it('racing requests for the same large content share one multipart upload; every other one is aborted', async () => {
    const user = await registeredUser(api, 'mp-race');
    const s3 = recordingS3(server.app.aws.s3);
    const uploads = serviceOn(server.app, server.app.photos.repository, { s3 });
    const big = { clientRef: 'big', filename: 'big.png', contentType: 'image/png' as const, size: 12 * MiB, sha256: sha256Base64(Buffer.from('same content')) };
    const answers = await Promise.all(Array.from({ length: 4 }, () => uploads.requestUploads(user.userId, [big])));
    const ids = answers.map((a) => (a[0]!.status === 'upload' && 'multipart' in a[0]!.upload ? a[0]!.upload.multipart.uploadId : undefined));
    const record = (await server.app.photos.repository.get(user.userId, answers[0]![0]!.photoId))!;
    expect(ids).toEqual(Array(4).fill(record.uploadId));
    const created = s3.sent.filter((c) => c.name === 'CreateMultipartUploadCommand').map((c) => c.uploadId);
    const aborted = s3.sent.filter((c) => c.name === 'AbortMultipartUploadCommand').map((c) => c.uploadId);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(aborted.sort()).toEqual(created.filter((id) => id !== record.uploadId).sort());
  });

  it('the same content declared with two sizes at once: one reservation, one 409, no stray multipart upload', async () => {
    const user = await registeredUser(api, 'mp-sizes');
    const s3 = recordingS3(server.app.aws.s3);
    const uploads = serviceOn(server.app, server.app.photos.repository, { s3 });
    const sha256 = sha256Base64(Buffer.from('two sizes'));
    const large = { clientRef: 'l', filename: 'x.png', contentType: 'image/png' as const, size: 12 * MiB, sha256 };
    const small = { ...large, clientRef: 's', size: 1000 };
    const results = await Promise.allSettled([uploads.requestUploads(user.userId, [large]), uploads.requestUploads(user.userId, [small])]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.statusCode)).toEqual([409]);
    const record = (await server.app.photos.repository.get(user.userId, (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ photoId: string }[]>).value[0]!.photoId))!;
    const created = s3.sent.filter((c) => c.name === 'CreateMultipartUploadCommand').map((c) => c.uploadId);
    const aborted = s3.sent.filter((c) => c.name === 'AbortMultipartUploadCommand').map((c) => c.uploadId);
    // Whoever won, no multipart upload exists but the record's own.
    expect(created.filter((id) => id !== record.uploadId).sort()).toEqual(aborted.sort());
    if (record.size === 1000) expect(record.uploadId).toBeUndefined();
    else expect(created).toContain(record.uploadId);
  });

  it('content that meets its own photo being purged from the trash is uploaded as new, not called a duplicate of nothing', async () => {
    const withWorkers = await startAccountsApp({ WORKER_CONCURRENCY: '2', SWEEP_INTERVAL_SECONDS: '0' });
    try {
      const wapi = client(withWorkers.url);
      const user = await registeredUser(wapi, 'purged');
      const bytes = await jpeg(8007);
      const [answer] = (await wapi.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('p', bytes)] }, user.accessToken)).body.items;
      await put(answer!, bytes);
      await wapi.post('/v1/uploads/complete', { items: [{ photoId: answer!.photoId }] }, user.accessToken);
      await settled(wapi, user.accessToken, [answer!.photoId], 30_000);
      expect((await wapi.delete(`/v1/photos/${answer!.photoId}`, user.accessToken)).status).toBe(204);

      // The trash is emptied between the dedup's read and its restore.
      class PurgedMeanwhile extends PhotosRepository {
        override async restore(photo: PhotoRecord) {
          expect((await wapi.delete('/v1/trash', user.accessToken)).status).toBe(202);
          await waitUntil(async () => ((await wapi.get(`/v1/photos/${photo.photoId}`, user.accessToken)).status === 404 ? true : undefined), 20_000);
          return super.restore(photo);
        }
      }
      const uploads = serviceOn(withWorkers.app, new PurgedMeanwhile(withWorkers.app.aws.dynamo, withWorkers.app.resources.table), {});
      const [again] = await uploads.requestUploads(user.userId, [item('p-again', bytes)] as never);
      expect(again).toMatchObject({ status: 'upload', photoId: answer!.photoId });
      expect((await wapi.get<Me>('/v1/me', user.accessToken)).body.usage).toMatchObject({ photos: 1, bytes: bytes.length });
    } finally {
      await withWorkers.close();
    }
  }, 60_000);
});

/** An UploadsService on the app's real stack, with one dependency swapped for the test. */
function serviceOn(
  app: Awaited<ReturnType<typeof startAccountsApp>>['app'],
  photos: PhotosRepository,
  options: { s3?: S3Client; enqueued?: string[]; enqueueProcessing?: () => Promise<void> },
): UploadsService {
  return new UploadsService({
    photos,
    users: app.users,
    s3: options.s3 ?? app.aws.s3,
    bucket: app.resources.bucket,
    presigner: app.presigner,
    limits: app.config.photos,
    enqueueProcessing: options.enqueueProcessing ?? (async (_userId, photoId) => void options.enqueued?.push(photoId)),
    processingDeadlineMs: 30 * 60_000,
  });
}

/** The real S3 client, noting every multipart upload created and every abort sent through it. */
function recordingS3(s3: S3Client): S3Client & { sent: { name: string; uploadId?: string }[] } {
  const sent: { name: string; uploadId?: string }[] = [];
  const proxy = {
    sent,
    send: async (command: { constructor: { name: string }; input: { UploadId?: string } }, options?: unknown) => {
      // Noted when sent: the local S3 (s3rver 4) answers AbortMultipartUpload with 405 (docs/local-stack.md).
      if (command instanceof AbortMultipartUploadCommand) sent.push({ name: 'AbortMultipartUploadCommand', uploadId: command.input.UploadId });
      const result = await (s3.send as (c: unknown, o?: unknown) => Promise<{ UploadId?: string }>)(command, options);
      if (command instanceof CreateMultipartUploadCommand) sent.push({ name: 'CreateMultipartUploadCommand', uploadId: result.UploadId });
      return result;
    },
  };
  return proxy as unknown as S3Client & { sent: { name: string; uploadId?: string }[] };
}
