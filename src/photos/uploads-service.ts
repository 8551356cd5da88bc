import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { FastifyBaseLogger } from 'fastify';
import type { S3Presigner } from '../aws/s3-presigner.js';
import { encodeKeyPath } from '../aws/sigv4.js';
import type { AppConfig } from '../config.js';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import type { UsersRepository } from '../data/users.js';
import { HttpProblem } from '../lib/problem.js';
import { UPLOAD_TYPES, type CompleteItem, type UploadItem } from '../schemas/uploads.js';
import { photoIdFor, photoKeys } from './photo-id.js';
import { abortMultipartUpload } from './photo-objects.js';

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
  /** How long after `complete` the reconciliation sweep re-enqueues a photo whose pipeline has not finished. */
  processingDeadlineMs: number;
  log?: FastifyBaseLogger;
  now?: () => number;
}

const MAX_DECIDE_ATTEMPTS = 4;
/**
 * A `complete` repeated this long after the photo's processing was last enqueued enqueues it again: a client
 * repeats `complete` when it got no answer, which is when the enqueue may have been lost (the process died
 * between marking the photo `processing` and the enqueue). Waiting this long first means a repeat meeting a
 * job still queued or running adds only a duplicate that finds the photo finished.
 */
export const COMPLETE_REQUEUE_AFTER_MS = 10_000;

/** What a request does for one distinct photo id; `fresh`: reserved by this request. */
type Decision = { kind: 'duplicate' } | { kind: 'upload'; record: PhotoRecord; fresh?: boolean };

/** A file already in the bucket (at `stagingKey`, outside every user's prefix) to ingest for a user. */
export interface StagedFile {
  stagingKey: string;
  filename: string;
  contentType: UploadItem['contentType'];
  size: number;
  /** Base64 of the SHA-256, computed while the bytes were staged. */
  sha256: string;
}

/** `added`: a new photo, now processing; `duplicate`: the user has this content already (not stored twice). */
export type IngestAnswer = { photoId: string; status: 'added' | 'duplicate' };

/**
 * The upload protocol, top to bottom: POST /v1/uploads reserves photos (dedup, quota) and hands out
 * narrow presigned URLs; the phone PUTs the bytes straight to S3; POST /v1/uploads/complete checks the
 * object is there with the promised size, marks the photo `processing` and queues its processing.
 * Abandoned reservations are swept by src/photos/sweeper.ts once their URLs expired; a photo whose
 * processing never finishes is re-enqueued by src/photos/reconcile.ts.
 *
 * What a reservation promised is what the record holds: URLs are always signed for the recorded size,
 * type and checksum, and a multipart upload id is attached to the record only after the reservation
 * went through (an upload created for a reservation that did not is aborted).
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

    const expiresAt = new Date(this.now() + this.deps.limits.uploadUrlTtlSeconds * 1000).toISOString();
    const decided = await this.decide(userId, items, primary, expiresAt);
    const uploads = new Map(
      await Promise.all([...decided].flatMap(([id, d]) => (d.kind === 'upload' ? [this.withMultipart(d.record).then((r) => [id, r] as const)] : []))),
    );

    return Promise.all(
      items.map(async (item, index): Promise<UploadAnswer> => {
        const id = ids[index]!;
        const record = uploads.get(id);
        if (!record || primary.get(id) !== index) return { clientRef: item.clientRef, status: 'duplicate', photoId: id };
        return { clientRef: item.clientRef, status: 'upload', photoId: id, upload: await this.instructions(record) };
      }),
    );
  }

  /**
   * Per distinct photo: a duplicate of a photo the user has (a trashed one comes back, unless
   * `restoreTrashed` is false), a fresh upload
   * of a photo still uploading (same size and type only: the reservation is not changed), or a new
   * reservation. New ones are reserved in one transaction with their bytes; what a concurrent request
   * changed meanwhile is decided again.
   */
  private async decide(
    userId: string,
    items: UploadItem[],
    primary: Map<string, number>,
    expiresAt: string,
    extra: Record<string, unknown> = {},
    { restoreTrashed = true } = {},
  ): Promise<Map<string, Decision>> {
    const decided = new Map<string, Decision>();
    for (let attempt = 1; ; attempt++) {
      const open = [...primary.keys()].filter((id) => !decided.has(id));
      if (open.length === 0) return decided;
      if (attempt > MAX_DECIDE_ATTEMPTS) throw new HttpProblem('conflict', 'Concurrent changes to the same photos; try again');

      const existing = await this.deps.photos.getMany(userId, open);
      const fresh: PhotoRecord[] = [];
      for (const id of open) {
        const item = items[primary.get(id)!]!;
        const photo = existing.get(id);
        if (!photo || photo.status === 'rejected') fresh.push({ ...this.newRecord(userId, id, item, expiresAt), ...extra });
        else if (photo.status === 'uploading') {
          this.checkSameReservation(photo, item, primary.get(id)!);
          // False: completed, discarded or swept meanwhile; decided again on the next pass.
          if (await this.deps.photos.extendUpload(userId, id, expiresAt)) decided.set(id, { kind: 'upload', record: { ...photo, uploadExpiresAt: expiresAt } });
        } else if (!photo.trashedAt || !restoreTrashed || (await this.deps.photos.restore(photo))) {
          decided.set(id, { kind: 'duplicate' });
        }
        // A trashed photo that could not be restored was purged (or restored) meanwhile: decided again.
      }
      if (fresh.length === 0) continue;

      const profile = await this.deps.users.getProfile(userId);
      if (!profile) throw new HttpProblem('unauthorized', 'This account has no profile yet; sign in again');
      const outcome = await this.deps.photos.reserve(userId, fresh, profile.quotaBytes);
      if (outcome.ok) {
        for (const record of fresh) decided.set(record.photoId, { kind: 'upload', record, fresh: true });
        continue;
      }
      if (outcome.quotaExceeded && outcome.conflicts.length === 0) {
        const requested = fresh.reduce((sum, r) => sum + r.size, 0);
        const left = Math.max(0, profile.quotaBytes - profile.bytes);
        throw new HttpProblem('quotaExceeded', `This batch needs ${requested} bytes; ${left} bytes are left of your ${profile.quotaBytes}`, {
          remainingBytes: left,
          requestedBytes: requested,
          quotaBytes: profile.quotaBytes,
        });
      }
      // Someone (a concurrent batch) created some of these photos first: every fresh one is decided again.
    }
  }

  /** A photo still uploading was reserved for one size and type: a request for others is refused, not resized. */
  private checkSameReservation(photo: PhotoRecord, item: UploadItem, index: number): void {
    const errors = [
      ...(item.size !== photo.size ? [{ path: `body.items.${index}.size`, message: `this content is being uploaded with size ${photo.size}` }] : []),
      ...(item.contentType !== photo.contentType
        ? [{ path: `body.items.${index}.contentType`, message: `this content is being uploaded as ${photo.contentType}` }]
        : []),
    ];
    if (errors.length > 0) {
      throw new HttpProblem('conflict', `An upload of this content is already reserved: ${errors.map((e) => e.message).join('; ')}`, { errors });
    }
  }

  /**
   * A record above the multipart threshold gets its S3 multipart upload now, after its reservation.
   * Of two requests racing to attach one, the loser aborts its own and uses the winner's.
   */
  private async withMultipart(record: PhotoRecord): Promise<PhotoRecord> {
    if (record.uploadId || record.size <= this.deps.limits.multipartThresholdBytes) return record;
    const { s3, bucket } = this.deps;
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: record.s3Key, ContentType: record.contentType }));
    const uploadId = created.UploadId!;
    let attached = false;
    try {
      attached = await this.deps.photos.attachMultipart(record.userId, record.photoId, uploadId);
    } finally {
      if (!attached) await abortMultipartUpload(s3, bucket, record.s3Key, uploadId, this.deps.log);
    }
    if (attached) return { ...record, uploadId };
    const current = await this.deps.photos.get(record.userId, record.photoId);
    if (current?.status === 'uploading' && current.uploadId) return { ...record, uploadId: current.uploadId };
    throw new HttpProblem('conflict', 'This upload changed while its URLs were being made; try again');
  }

  /**
   * Ingests files already in the bucket for `userId` (a collect link's guest files, for the album owner), the
   * way a phone's upload goes: deduplicated against the user's library by content (photoIdFor), new ones
   * reserved with their bytes against the user's quota (all or none: over quota throws the quotaExceeded
   * problem and nothing is reserved), then each copied to its photo's key and completed (marked processing and
   * queued). A reservation stays `uploading` until its copy is completed, so a crash in between leaves work for
   * the abandoned-upload sweep (which releases the bytes), never a photo nobody pays for. `extra` goes into
   * each new record (a pending album placement). The staged objects are the caller's to delete.
   */
  async ingestStaged(userId: string, files: StagedFile[], extra: Record<string, unknown> = {}): Promise<IngestAnswer[]> {
    const items: UploadItem[] = files.map((file, i) => ({ clientRef: String(i), filename: file.filename, contentType: file.contentType, size: file.size, sha256: file.sha256 }));
    this.checkSizes(items);
    const ids = items.map((item) => photoIdFor(userId, item.sha256));
    const primary = new Map<string, number>();
    ids.forEach((id, index) => primary.has(id) || primary.set(id, index));
    const expiresAt = new Date(this.now() + this.deps.limits.uploadUrlTtlSeconds * 1000).toISOString();
    // What the owner put in the trash stays there: a guest's copy is a duplicate, not a way to undo it.
    const decided = await this.decide(userId, items, primary, expiresAt, extra, { restoreTrashed: false });
    const added = new Set<string>();
    for (const [id, decision] of decided) {
      if (decision.kind !== 'upload') continue;
      const { record } = decision;
      const source = files[primary.get(id)!]!;
      // A reservation of the same content still uploading (the user's own) is completed with these same bytes.
      await this.deps.s3.send(new CopyObjectCommand({ Bucket: this.deps.bucket, Key: record.s3Key, CopySource: `${this.deps.bucket}/${encodeKeyPath(source.stagingKey)}` }));
      await this.completeOne(record, { photoId: id });
      if (decision.fresh) added.add(id);
    }
    // A second file of the same content in one batch is a duplicate of the first.
    return ids.map((photoId, index) => ({ photoId, status: added.has(photoId) && primary.get(photoId) === index ? 'added' : 'duplicate' }));
  }

  async complete(userId: string, items: CompleteItem[]): Promise<CompleteAnswer[]> {
    const photos = await this.deps.photos.getMany(userId, items.map((i) => i.photoId));
    const unknown = items.filter((i) => !photos.has(i.photoId));
    // Someone else's photo is simply not found in this user's partition.
    if (unknown.length > 0) throw new HttpProblem('notFound', `No upload ${unknown.map((i) => i.photoId).join(', ')}`);
    // A photo named twice is completed once (with the first item's parts); every item gets its answer.
    const once = new Map<string, Promise<CompleteAnswer>>();
    for (const item of items) if (!once.has(item.photoId)) once.set(item.photoId, this.completeOne(photos.get(item.photoId)!, item));
    return Promise.all(items.map((item) => once.get(item.photoId)!));
  }

  private async completeOne(photo: PhotoRecord, item: CompleteItem): Promise<CompleteAnswer> {
    if (photo.status === 'processing') return this.completeAgain(photo);
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
      return this.answerFresh(photo);
    }
    const dueAt = new Date(this.now() + this.deps.processingDeadlineMs).toISOString();
    if (!(await this.deps.photos.markProcessing(photo.userId, photo.photoId, dueAt))) return this.answerFresh(photo);
    // Only the call that moved the photo to `processing` enqueues. If this enqueue fails (or the
    // process dies first), the reconciliation sweep enqueues it once the due time passes.
    try {
      await this.deps.enqueueProcessing(photo.userId, photo.photoId);
    } catch (error) {
      this.deps.log?.warn({ err: error, photoId: photo.photoId }, 'processing not enqueued: the reconciliation sweep will');
    }
    return { photoId: photo.photoId, status: 'processing' };
  }

  /**
   * `complete` of a photo already `processing`: its job is enqueued again once COMPLETE_REQUEUE_AFTER_MS passed
   * since the last enqueue (its due time less the deadline), claimed by moving the due time (of several requests
   * or instances, one enqueues). Without this a photo whose enqueue was lost waits for the reconciliation sweep.
   */
  private async completeAgain(photo: PhotoRecord): Promise<CompleteAnswer> {
    const answer: CompleteAnswer = { photoId: photo.photoId, status: 'processing' };
    const now = this.now();
    const lastEnqueuedAt = photo.processingDueAt ? Date.parse(photo.processingDueAt) - this.deps.processingDeadlineMs : now;
    if (now - lastEnqueuedAt < COMPLETE_REQUEUE_AFTER_MS) return answer;
    const dueAt = new Date(now + this.deps.processingDeadlineMs).toISOString();
    if (!(await this.deps.photos.rescheduleProcessing(photo, dueAt))) return this.answerFresh(photo);
    try {
      await this.deps.enqueueProcessing(photo.userId, photo.photoId);
      this.deps.log?.info({ photoId: photo.photoId }, 'complete repeated: processing enqueued again');
    } catch (error) {
      this.deps.log?.warn({ err: error, photoId: photo.photoId }, 'processing not enqueued: the reconciliation sweep will');
    }
    return answer;
  }

  /** The answer for a photo as it is now: one removed meanwhile (swept, deleted, purged) is `missing`. */
  private async answerFresh(photo: PhotoRecord): Promise<CompleteAnswer> {
    const current = await this.deps.photos.get(photo.userId, photo.photoId);
    return current ? this.answer(current) : { photoId: photo.photoId, status: 'missing' };
  }

  private answer(photo: PhotoRecord): CompleteAnswer {
    if (photo.status === 'uploading') return { photoId: photo.photoId, status: 'missing' };
    if (photo.status === 'rejected') return { photoId: photo.photoId, status: 'rejected', ...(photo.rejectedReason ? { error: photo.rejectedReason } : {}) };
    return { photoId: photo.photoId, status: photo.status };
  }

  private checkSizes(items: UploadItem[]): void {
    const errors = items.flatMap((item, index) => {
      const max = UPLOAD_TYPES[item.contentType] === 'raw' ? this.deps.limits.maxBytesRaw : this.deps.limits.maxBytes;
      return item.size > max ? [{ path: `body.items.${index}.size`, message: `must be at most ${max} bytes for ${item.contentType}` }] : [];
    });
    if (errors.length > 0) throw new HttpProblem('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }

  private newRecord(userId: string, photoId: string, item: UploadItem, expiresAt: string): PhotoRecord {
    return {
      userId,
      photoId,
      status: 'uploading',
      filename: item.filename,
      contentType: item.contentType,
      size: item.size,
      sha256: item.sha256,
      s3Key: photoKeys.original(userId, photoId),
      uploadExpiresAt: expiresAt,
      uploadedAt: new Date(this.now()).toISOString(),
    };
  }

  /** URLs for exactly what the record reserved: its key, size, type and checksum. */
  private async instructions(record: PhotoRecord): Promise<UploadInstructions> {
    const { s3Key: key, size, contentType, sha256, uploadId, uploadExpiresAt } = record;
    const expiresInSeconds = Math.max(1, Math.round((Date.parse(uploadExpiresAt) - this.now()) / 1000));
    if (!uploadId) {
      const put = await this.deps.presigner.presignPut({ key, contentType, contentLength: size, sha256Base64: sha256, expiresInSeconds });
      return { method: 'PUT', url: put.url, headers: put.headers, expiresAt: put.expiresAt.toISOString() };
    }
    const partSize = this.deps.limits.multipartPartBytes;
    const count = Math.ceil(size / partSize);
    const parts = await Promise.all(
      Array.from({ length: count }, async (_, i) => ({
        partNumber: i + 1,
        // Each part's size is signed: S3 refuses a part of any other size.
        url: (
          await this.deps.presigner.presignUploadPart({
            key,
            uploadId,
            partNumber: i + 1,
            contentLength: i < count - 1 ? partSize : size - partSize * (count - 1),
            expiresInSeconds,
          })
        ).url,
      })),
    );
    return { multipart: { uploadId, partSize, parts }, expiresAt: uploadExpiresAt };
  }
}
