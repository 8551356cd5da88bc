import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import { UPLOAD_TYPES } from '../schemas/uploads.js';
import { photoKeys } from './photo-id.js';
import { ObjectMissingError, photoObjectKeys, type PhotoObjects } from './photo-objects.js';
import { DecoderCrashedError } from './processing/decoder-pool.js';
import type { DeclaredPhoto, ProcessedPhoto, RejectedPhoto } from './processing/process-photo.js';

/** What PhotoUploaded says; published once per photo that became ready. */
export interface PhotoUploadedDetail {
  userId: string;
  photoId: string;
  contentType: string;
  size: number;
  /** When this upload of the content was reserved: with photoId, it names this incarnation of the photo. */
  uploadedAt: string;
}

export interface PhotoProcessorDeps {
  photos: Pick<PhotosRepository, 'get' | 'markReady' | 'reject' | 'finishPipeline'>;
  objects: PhotoObjects;
  /** Reads the original once: derivatives and EXIF, or a permanent rejection. Throws only for transient failures. */
  process: (input: Readable, declared: DeclaredPhoto) => Promise<ProcessedPhoto | RejectedPhoto>;
  /** Publishes PhotoUploaded at most once per photo incarnation (see src/jobs/idempotency.ts). */
  publishUploaded: (detail: PhotoUploadedDetail) => Promise<void>;
  limits: { maxBytes: number; maxBytesRaw: number };
  now?: () => number;
}

export type ProcessingOutcome =
  /** No record (deleted or purged), or one this job has nothing to do with (uploading, rejected). */
  | 'nothing-to-do'
  | 'rejected'
  | 'ready'
  /** Ready before this delivery: only its PhotoUploaded was (re)published, once. */
  | 'announced';

/**
 * Turns an uploaded original into a ready photo, deciding every edge on the record as it is now:
 *
 * - `processing`: one streaming read verifies the declared SHA-256 and makes EXIF and derivatives;
 *   derivatives go to S3, the record becomes `ready` (keeping the trash state the user gave it meanwhile),
 *   then PhotoUploaded is published once and the pipeline leaves the reconciliation index.
 * - A permanent failure (checksum or size mismatch, not an image, undecodable, original gone) ends
 *   `rejected`, its objects deleted first. A transient one (S3, DynamoDB, EventBridge) throws: SQS
 *   retries with backoff, and the reconciliation sweep re-enqueues what outlives the queue's retries.
 *   A transient failure never rejects a photo, however long it lasts.
 * - `ready` (a redelivery after a crash between marking it ready and publishing): publishes, once.
 * - A photo removed while it was processed leaves no derivative behind, and no event is published.
 */
export class PhotoProcessor {
  private readonly now: () => number;
  constructor(private readonly deps: PhotoProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * `finalAttempt`: the queue will not deliver this job again. A decoder that crashed on these bytes on every
   * attempt up to then (a poison file) makes the photo `undecodable` rather than cycling through the
   * reconciliation forever; any other transient failure is retried however long it lasts.
   */
  async run(userId: string, photoId: string, signal: AbortSignal, options: { log?: FastifyBaseLogger; finalAttempt?: boolean } = {}): Promise<ProcessingOutcome> {
    const { log } = options;
    const photo = await this.deps.photos.get(userId, photoId);
    if (photo?.status === 'ready') {
      await this.announce(photo);
      return 'announced';
    }
    if (photo?.status !== 'processing') return 'nothing-to-do';

    let result: ProcessedPhoto | { status: 'rejected'; reason: string; detail: string };
    try {
      const input = await this.deps.objects.read(photo.s3Key, signal);
      result = await this.deps.process(input, { sha256Base64: photo.sha256, contentType: photo.contentType, maxBytes: this.maxBytes(photo), size: photo.size, signal });
    } catch (error) {
      if (error instanceof ObjectMissingError) result = { status: 'rejected', reason: 'original-missing', detail: error.message };
      else if (error instanceof DecoderCrashedError && options.finalAttempt) result = { status: 'rejected', reason: 'undecodable', detail: error.message };
      else throw error;
    }
    if (result.status === 'rejected') {
      log?.info({ photoId, reason: result.reason }, 'photo rejected');
      await this.deps.objects.remove(photoObjectKeys(photo));
      await this.deps.photos.reject(photo, result.reason, Math.floor(this.now() / 1000));
      return 'rejected';
    }

    const derivatives = { thumbnail: photoKeys.thumbnail(userId, photoId), preview: photoKeys.preview(userId, photoId) };
    await Promise.all([
      this.deps.objects.write(derivatives.thumbnail, result.thumbnail, 'image/webp'),
      this.deps.objects.write(derivatives.preview, result.preview, 'image/jpeg'),
    ]);
    const ready = readyFields(photo, result, derivatives);
    // The user may trash (or restore) the photo meanwhile: markReady pins the trash state it saw.
    let current: PhotoRecord | undefined = photo;
    for (let attempt = 0; attempt < 3 && current?.status === 'processing'; attempt++) {
      if (await this.deps.photos.markReady(current, ready)) {
        await this.announce({ ...current, ...ready, status: 'ready' });
        return 'ready';
      }
      current = await this.deps.photos.get(userId, photoId);
    }
    if (current?.status === 'ready') {
      await this.announce(current);
      return 'announced';
    }
    if (current?.status === 'processing') throw new Error('the photo kept changing while being marked ready');
    // Removed (or rejected) meanwhile: whatever removed it did not see the derivatives just written.
    if (!current || current.status === 'rejected') await this.deps.objects.remove([derivatives.thumbnail, derivatives.preview]);
    return 'nothing-to-do';
  }

  private async announce(photo: PhotoRecord): Promise<void> {
    const { userId, photoId, contentType, size, uploadedAt } = photo;
    await this.deps.publishUploaded({ userId, photoId, contentType, size, uploadedAt });
    await this.deps.photos.finishPipeline(photo);
  }

  private maxBytes(photo: PhotoRecord): number {
    const family = UPLOAD_TYPES[photo.contentType as keyof typeof UPLOAD_TYPES];
    return family === 'raw' ? this.deps.limits.maxBytesRaw : this.deps.limits.maxBytes;
  }
}

/** What a processed photo's record gains. Without EXIF time the upload time stands in; a camera time without offset is read as UTC. */
function readyFields(photo: PhotoRecord, result: ProcessedPhoto, derivatives: { thumbnail: string; preview: string }) {
  const takenAt = result.takenAt?.value ?? photo.uploadedAt;
  const takenAtUtc = new Date(result.takenAt && result.takenAt.isLocalTime ? `${result.takenAt.value}Z` : takenAt);
  return {
    width: result.width,
    height: result.height,
    takenAt,
    takenAtUtc: (Number.isNaN(takenAtUtc.getTime()) ? new Date(photo.uploadedAt) : takenAtUtc).toISOString(),
    thumbhash: result.thumbhash,
    derivatives,
    exif: result.exif as unknown as Record<string, unknown>,
    location: result.location ?? undefined,
    contentType: result.contentType,
  };
}
