import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Presigner } from '../aws/s3-presigner.js';
import type { AppConfig } from '../config.js';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import type { UsersRepository } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';
import { UPLOAD_TYPES, type CompleteItem, type UploadItem } from '../schemas/uploads.js';
import { photoIdFor, photoKeys } from './photo-id.js';

export type UploadAnswer =
  | { clientRef: string; status: 'duplicate'; photoId: string }
  | { clientRef: string; status: 'upload'; photoId: string; upload: UploadInstructions };

type UploadInstructions =
  | { method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string }
  | { multipart: { uploadId: string; partSize: number; parts: { partNumber: number; url: string }[] }; expiresAt: string };

export type CompleteAnswer = { photoId: string; status: 'processing' | 'ready' | 'missing' | 'rejected'; error?: string };

export interface UploadsDeps {
  photos: PhotosRepository;
  users: UsersRepository;
  s3: S3Client;
  bucket: string;
  presigner: S3Presigner;
  limits: AppConfig['photos'];
  /** Enqueues the processing job; deterministic per photo, so repeats are harmless. */
  enqueueProcessing: (userId: string, photoId: string) => Promise<void>;
  now?: () => number;
}

const MAX_RESERVE_ATTEMPTS = 4;

/**
 * The upload protocol, top to bottom: POST /v1/uploads reserves photos (dedup, quota) and hands out
 * narrow presigned URLs; the phone PUTs the bytes straight to S3; POST /v1/uploads/complete checks the
 * object is there with the promised size and queues processing. Abandoned reservations are swept by
 * src/photos/sweeper.ts once their URLs expired.
 */
export class UploadsService {
  private readonly now: () => number;
  constructor(private readonly deps: UploadsDeps) {
    this.now = deps.now ?? Date.now;
  }

  async requestUploads(userId: string, items: UploadItem[]): Promise<UploadAnswer[]> {
    this.checkSizes(items);
    const ids = items.map((item) => photoIdFor(userId, item.sha256));
    // Identical items in one batch share the first one's upload.
    const primary = new Map<string, number>();
    ids.forEach((id, index) => primary.has(id) || primary.set(id, index));

    const expiresAt = new Date(this.now() + this.deps.limits.uploadUrlTtlSeconds * 1000);
    const decided = new Map<string, 'duplicate' | 'reupload' | 'new'>();
    const multipartIds = new Map<string, string>();

    for (let attempt = 1; ; attempt++) {
      const existing = await this.deps.photos.getMany(userId, [...primary.keys()].filter((id) => !decided.has(id) || decided.get(id) === 'new'));
      for (const [id] of primary) {
        if (decided.get(id) === 'duplicate' || decided.get(id) === 'reupload') continue;
        const photo = existing.get(id);
        if (!photo || photo.status === 'rejected') decided.set(id, 'new');
        else if (photo.status === 'uploading') {
          decided.set(id, 'reupload');
          if (photo.uploadId) multipartIds.set(id, photo.uploadId);
        } else {
          decided.set(id, 'duplicate');
          // A duplicate of a photo in the trash brings it back.
          if (photo.trashedAt) await this.deps.photos.restore(photo);
        }
      }
      const fresh = [...primary].filter(([id]) => decided.get(id) === 'new');
      if (fresh.length === 0) break;

      const records = await Promise.all(fresh.map(([id, index]) => this.newRecord(userId, id, items[index]!, expiresAt, multipartIds)));
      const profile = await this.deps.users.getProfile(userId);
      if (!profile) throw new HttpProblem('unauthorized', 'This account has no profile yet; sign in again');
      const outcome = await this.deps.photos.reserve(userId, records, profile.quotaBytes);
      if (outcome.ok) break;
      if (outcome.quotaExceeded && outcome.conflicts.length === 0) {
        await this.abortMultipart(records);
        const requested = records.reduce((sum, r) => sum + r.size, 0);
        const left = Math.max(0, profile.quotaBytes - profile.bytes);
        throw new HttpProblem('quotaExceeded', `This batch needs ${requested} bytes; ${left} bytes are left of your ${profile.quotaBytes}`, {
          remainingBytes: left,
          requestedBytes: requested,
          quotaBytes: profile.quotaBytes,
        });
      }
      // Someone (a concurrent batch) created some of these photos first: decide them again.
      for (const id of outcome.conflicts) decided.delete(id);
      if (attempt >= MAX_RESERVE_ATTEMPTS) throw new HttpProblem('conflict', 'Concurrent uploads of the same photos; try again');
    }

    // Re-uploads of photos still uploading get fresh URLs and a later sweep time.
    await Promise.all(
      [...primary.keys()].filter((id) => decided.get(id) === 'reupload').map((id) => this.deps.photos.extendUpload(userId, id, expiresAt.toISOString())),
    );

    return Promise.all(
      items.map(async (item, index): Promise<UploadAnswer> => {
        const id = ids[index]!;
        const outcome = decided.get(id);
        if (outcome === 'duplicate' || primary.get(id) !== index) return { clientRef: item.clientRef, status: 'duplicate', photoId: id };
        return { clientRef: item.clientRef, status: 'upload', photoId: id, upload: await this.instructions(userId, id, item, expiresAt, multipartIds.get(id)) };
      }),
    );
  }

  async complete(userId: string, items: CompleteItem[]): Promise<CompleteAnswer[]> {
    const photos = await this.deps.photos.getMany(userId, items.map((i) => i.photoId));
    const unknown = items.filter((i) => !photos.has(i.photoId));
    // Someone else's photo is simply not found in this user's partition.
    if (unknown.length > 0) throw new HttpProblem('notFound', `No upload ${unknown.map((i) => i.photoId).join(', ')}`);
    return Promise.all(items.map((item) => this.completeOne(photos.get(item.photoId)!, item)));
  }

  private async completeOne(photo: PhotoRecord, item: CompleteItem): Promise<CompleteAnswer> {
    if (photo.status !== 'uploading') return this.answer(photo);
    const { s3, bucket } = this.deps;
    if (photo.uploadId && item.parts?.length) {
      try {
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: photo.s3Key,
            UploadId: photo.uploadId,
            MultipartUpload: { Parts: [...item.parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          }),
        );
      } catch (error) {
        // Completed by an earlier call (NoSuchUpload) or bad parts: the HEAD below decides.
        if ((error as { name?: string }).name !== 'NoSuchUpload' && (error as { name?: string }).name !== 'InvalidPart') throw error;
      }
    }
    let size: number | undefined;
    try {
      size = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: photo.s3Key }))).ContentLength;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NotFound' || name === 'NoSuchKey') return { photoId: photo.photoId, status: 'missing' };
      throw error;
    }
    if (size !== photo.size) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: photo.s3Key }));
      await this.deps.photos.reject(photo, 'size-mismatch', Math.floor(this.now() / 1000));
      return this.answer((await this.deps.photos.get(photo.userId, photo.photoId)) ?? photo);
    }
    // Queue first: if we crash before the status changes, the job still runs (it accepts
    // `uploading` photos whose object exists), so nothing is left stranded.
    await this.deps.enqueueProcessing(photo.userId, photo.photoId);
    await this.deps.photos.markProcessing(photo.userId, photo.photoId);
    return this.answer((await this.deps.photos.get(photo.userId, photo.photoId)) ?? photo);
  }

  private answer(photo: PhotoRecord): CompleteAnswer {
    const status = photo.status === 'uploading' ? 'processing' : photo.status;
    return { photoId: photo.photoId, status, ...(photo.status === 'rejected' && photo.rejectedReason ? { error: photo.rejectedReason } : {}) };
  }

  private checkSizes(items: UploadItem[]): void {
    const errors = items.flatMap((item, index) => {
      const max = UPLOAD_TYPES[item.contentType] === 'raw' ? this.deps.limits.maxBytesRaw : this.deps.limits.maxBytes;
      return item.size > max ? [{ path: `body.items.${index}.size`, message: `must be at most ${max} bytes for ${item.contentType}` }] : [];
    });
    if (errors.length > 0) throw new HttpProblem('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }

  private async newRecord(userId: string, photoId: string, item: UploadItem, expiresAt: Date, multipartIds: Map<string, string>): Promise<PhotoRecord> {
    const key = photoKeys.original(userId, photoId);
    let uploadId: string | undefined;
    if (item.size > this.deps.limits.multipartThresholdBytes) {
      const created = await this.deps.s3.send(new CreateMultipartUploadCommand({ Bucket: this.deps.bucket, Key: key, ContentType: item.contentType }));
      uploadId = created.UploadId!;
      multipartIds.set(photoId, uploadId);
    }
    const now = new Date(this.now()).toISOString();
    return {
      userId,
      photoId,
      status: 'uploading',
      filename: item.filename,
      contentType: item.contentType,
      size: item.size,
      sha256: item.sha256,
      s3Key: key,
      ...(uploadId ? { uploadId } : {}),
      uploadExpiresAt: expiresAt.toISOString(),
      uploadedAt: now,
    };
  }

  private async instructions(userId: string, photoId: string, item: UploadItem, expiresAt: Date, uploadId: string | undefined): Promise<UploadInstructions> {
    const key = photoKeys.original(userId, photoId);
    const expiresInSeconds = Math.max(1, Math.round((expiresAt.getTime() - this.now()) / 1000));
    if (!uploadId) {
      const put = await this.deps.presigner.presignPut({ key, contentType: item.contentType, contentLength: item.size, sha256Base64: item.sha256, expiresInSeconds });
      return { method: 'PUT', url: put.url, headers: put.headers, expiresAt: put.expiresAt.toISOString() };
    }
    const partSize = this.deps.limits.multipartPartBytes;
    const count = Math.ceil(item.size / partSize);
    const parts = await Promise.all(
      Array.from({ length: count }, async (_, i) => ({
        partNumber: i + 1,
        // Each part's size is signed: S3 refuses a part of any other size.
        url: (
          await this.deps.presigner.presignUploadPart({
            key,
            uploadId,
            partNumber: i + 1,
            contentLength: i < count - 1 ? partSize : item.size - partSize * (count - 1),
            expiresInSeconds,
          })
        ).url,
      })),
    );
    return { multipart: { uploadId, partSize, parts }, expiresAt: expiresAt.toISOString() };
  }

  private async abortMultipart(records: PhotoRecord[]): Promise<void> {
    await Promise.allSettled(
      records
        .filter((r) => r.uploadId)
        .map((r) => this.deps.s3.send(new AbortMultipartUploadCommand({ Bucket: this.deps.bucket, Key: r.s3Key, UploadId: r.uploadId }))),
    );
  }
}
