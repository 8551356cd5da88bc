import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { COUNTED, type PhotoRecord, type PhotoStatus } from '../../src/data/photos.js';
import { photoIdFor, photoKeys } from '../../src/photos/photo-id.js';

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

  if (!(await repository.markProcessing(userId, photoId))) throw new Error('markProcessing failed');
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

/** Usage as the records say it should be: every counted photo of the user, trash included. */
export async function usageFromRecords(app: FastifyInstance, userId: string): Promise<{ photos: number; bytes: number }> {
  let photos = 0;
  let bytes = 0;
  for await (const page of app.photos.repository.allOfUser(userId)) {
    for (const photo of page) {
      if (!COUNTED.includes(photo.status)) continue;
      photos++;
      bytes += photo.size;
    }
  }
  return { photos, bytes };
}
