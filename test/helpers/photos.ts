import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { PhotoRecord, PhotoStatus } from '../../src/data/photos.js';
import { photoIdFor, photoKeys } from '../../src/photos/photo-id.js';
import { queueDepth } from '../jobs/helpers.js';
import { client, registeredUser, startAccountsApp, type ApiClient } from './accounts.js';
import { item, put as putBytes, type UploadAnswer } from './uploads.js';

export interface SeedOptions {
  status?: Exclude<PhotoStatus, 'rejected'>;
  /** ISO; ready photos only (the timeline's order). */
  takenAt?: string;
  size?: number;
  filename?: string;
  uploadedAt?: string;
  /** When the upload URL expires (the abandoned-upload sweep's due time). */
  uploadExpiresAt?: string;
  /** Also store a thumbnail and a preview (ready photos do by default). */
  derivatives?: boolean;
}

async function put(app: FastifyInstance, key: string, body: Buffer, contentType: string) {
  await app.aws.s3.send(new PutObjectCommand({ Bucket: app.resources.bucket, Key: key, Body: body, ContentType: contentType }));
}

/**
 * A photo made the way the upload pipeline makes it, without the upload routes: random bytes PUT
 * into the local S3 under `users/<userId>/photos/<photoId>`, reserved through the repository
 * (record + usage in one transaction), then moved to processing and ready as asked.
 */
export async function seedPhoto(app: FastifyInstance, userId: string, options: SeedOptions = {}): Promise<PhotoRecord> {
  const repository = app.photos.repository;
  const status = options.status ?? 'ready';
  const body = randomBytes(options.size ?? 1000 + Math.floor(Math.random() * 1000));
  const sha256 = createHash('sha256').update(body).digest('base64');
  const photoId = photoIdFor(userId, sha256);
  const now = new Date();
  const record: PhotoRecord = {
    userId,
    photoId,
    status: 'uploading',
    filename: options.filename ?? `IMG_${photoId.slice(0, 6)}.jpg`,
    contentType: 'image/jpeg',
    size: body.length,
    sha256,
    s3Key: photoKeys.original(userId, photoId),
    uploadExpiresAt: options.uploadExpiresAt ?? new Date(now.getTime() + 15 * 60_000).toISOString(),
    uploadedAt: options.uploadedAt ?? now.toISOString(),
  };
  const profile = await app.users.getProfile(userId);
  if (!profile) throw new Error(`no profile for ${userId}`);
  const reserved = await repository.reserve(userId, [record], profile.quotaBytes);
  if (!reserved.ok) throw new Error(`reserve failed: ${JSON.stringify(reserved)}`);
  await put(app, record.s3Key, body, record.contentType);
  if (status === 'uploading') return record;

  if (!(await repository.markProcessing(userId, photoId, new Date(now.getTime() + 30 * 60_000).toISOString()))) throw new Error('markProcessing failed');
  if (status === 'processing') return (await repository.get(userId, photoId))!;

  const derivatives = { thumbnail: photoKeys.thumbnail(userId, photoId), preview: photoKeys.preview(userId, photoId) };
  if (options.derivatives !== false) {
    await put(app, derivatives.thumbnail, randomBytes(100), 'image/webp');
    await put(app, derivatives.preview, randomBytes(200), 'image/jpeg');
  }
  const takenAt = options.takenAt ?? now.toISOString();
  const ready = await repository.markReady(
    { ...record, status: 'processing' },
    { width: 4032, height: 3024, takenAt, takenAtUtc: takenAt, thumbhash: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG', derivatives, contentType: 'image/jpeg', exif: { Make: 'Test' } },
  );
  if (!ready) throw new Error('markReady failed');
  // As if PhotoUploaded went out: the pipeline is finished.
  await repository.finishPipeline({ ...record, status: 'ready' });
  return (await repository.get(userId, photoId))!;
}

/** Whether an object exists in the photo bucket. */
export async function objectExists(app: FastifyInstance, key: string): Promise<boolean> {
  try {
    await app.aws.s3.send(new HeadObjectCommand({ Bucket: app.resources.bucket, Key: key }));
    return true;
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/**
 * What counts towards usage, stated here independently of production's list: every photo that
 * exists, in the trash or not, except rejected ones.
 */
const COUNTED_HERE: ReadonlySet<string> = new Set(['uploading', 'processing', 'ready']);

/** Usage as the records say it should be: every counted photo of the user, trash included. */
export async function usageFromRecords(app: FastifyInstance, userId: string): Promise<{ photos: number; bytes: number }> {
  let photos = 0;
  let bytes = 0;
  for await (const page of app.photos.repository.allOfUser(userId)) {
    for (const photo of page) {
      if (!COUNTED_HERE.has(photo.status)) continue;
      photos++;
      bytes += photo.size;
    }
  }
  return { photos, bytes };
}

/** Usage as the API shows the photos: GET each id; gone (404) and rejected ones do not count. */
export async function usageFromApi(api: ApiClient, token: string, photoIds: Iterable<string>): Promise<{ photos: number; bytes: number; statuses: Record<string, string> }> {
  let photos = 0;
  let bytes = 0;
  const statuses: Record<string, string> = {};
  for (const id of new Set(photoIds)) {
    const response = await api.get<{ status: string; size: number }>(`/v1/photos/${id}`, token);
    if (response.status === 404) continue;
    if (response.status !== 200) throw new Error(`GET photo ${id}: ${response.status}`);
    statuses[id] = response.body.status;
    if (!COUNTED_HERE.has(response.body.status)) continue;
    photos++;
    bytes += response.body.size;
  }
  return { photos, bytes, statuses };
}

/** Every object key under the user's prefix. */
export async function objectsOf(app: FastifyInstance, userId: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const listed = await app.aws.s3.send(new ListObjectsV2Command({ Bucket: app.resources.bucket, Prefix: photoKeys.userPrefix(userId), ContinuationToken: token }));
    found.push(...(listed.Contents ?? []).map((o) => o.Key!));
    token = listed.IsTruncated ? listed.NextContinuationToken : undefined;
  } while (token);
  return found.sort();
}

/** A real upload through the API: reserve, PUT to the presigned URL (unless `put: false`), complete (unless `complete: false`). */
export async function uploadPhoto(
  api: ApiClient,
  token: string,
  bytes: Buffer,
  options: { put?: boolean; complete?: boolean; contentType?: string; declared?: Buffer } = {},
): Promise<{ photoId: string; answer: UploadAnswer; size: number }> {
  const declared = options.declared ?? bytes;
  const reserved = await api.post<{ items: UploadAnswer[] }>('/v1/uploads', { items: [item('one', declared, options.contentType)] }, token);
  if (reserved.status !== 200) throw new Error(`reserve: ${reserved.status} ${JSON.stringify(reserved.body)}`);
  const answer = reserved.body.items[0]!;
  if (answer.status === 'upload' && options.put !== false) {
    const status = await putBytes(answer, bytes);
    if (status !== 200) throw new Error(`PUT: ${status}`);
  }
  if (options.complete !== false && options.put !== false) {
    const completed = await api.post('/v1/uploads/complete', { items: [{ photoId: answer.photoId }] }, token);
    if (completed.status !== 200) throw new Error(`complete: ${completed.status} ${JSON.stringify(completed.body)}`);
  }
  return { photoId: answer.photoId, answer, size: declared.length };
}

/**
 * The real app with workers on a private queue pair AND a private table: sweeps with a moved clock
 * (31 days ahead) then only ever see this file's photos, never those of test files running beside it.
 */
export function startLibraryApp(env: Record<string, string> = {}): ReturnType<typeof startAccountsApp> {
  return startAccountsApp({ WORKER_CONCURRENCY: '3', SWEEP_INTERVAL_SECONDS: '0', ...env }, { privateTable: true });
}

export type RegisteredUser = Awaited<ReturnType<typeof registeredUser>>;

/** What `libraryWithUsers` hands back; its fields are set by its beforeAll, so read them in hooks and tests only. */
export interface LibraryWithUsers<Users extends RegisteredUser[]> {
  app: FastifyInstance;
  url: string;
  api: ApiClient;
  users: Users;
}

/** One library app and one registered account per label for the whole test file, closed after it. */
export function libraryWithUsers<Labels extends string[]>(...labels: Labels): LibraryWithUsers<{ [K in keyof Labels]: RegisteredUser }> {
  const library = {} as LibraryWithUsers<{ [K in keyof Labels]: RegisteredUser }>;
  let running: Awaited<ReturnType<typeof startLibraryApp>> | undefined;
  beforeAll(async () => {
    running = await startLibraryApp();
    library.app = running.app;
    library.url = running.url;
    library.api = client(running.url);
    library.users = (await Promise.all(labels.map((label) => registeredUser(library.api, label)))) as { [K in keyof Labels]: RegisteredUser };
  });
  afterAll(async () => {
    await running?.close();
  });
  return library;
}

/** Waits until the app's job queue is empty and no job runs, twice in a row (a job may enqueue another). */
export async function jobsSettled(app: FastifyInstance, timeoutMs = 30_000): Promise<void> {
  const sqs = app.aws.sqs;
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error('the job queue did not settle');
    const idle = app.jobs.pool.inFlight === 0 && (await queueDepth(sqs, app.resources.queueUrl)) === 0;
    quiet = idle ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 150));
  }
}
