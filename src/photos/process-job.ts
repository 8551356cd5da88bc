import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { publishEvents } from '../aws/eventbridge.js';
import { runOnce } from '../jobs/idempotency.js';
import { MAX_RECEIVES } from '../jobs/queue-policy.js';
import { UPLOAD_TYPES } from '../schemas/uploads.js';
import { photoKeys } from './photo-id.js';
import { processPhoto } from './processing/process-photo.js';

export const PROCESS_PHOTO_JOB = 'process-photo';
export const processPhotoJobId = (photoId: string) => `process-photo:${photoId}`;
const payload = z.object({ userId: z.string().min(1), photoId: z.string().min(1) });

/**
 * Turns an uploaded original into a ready photo: one streaming read verifies the declared SHA-256,
 * sniffs the type and feeds EXIF and derivatives; derivatives go to S3, the record becomes `ready`
 * and PhotoUploaded is published once. A photo that can never be processed ends `rejected` (its
 * object deleted, its bytes released); transient failures retry, and the last allowed attempt
 * rejects rather than leaving the photo in `processing` forever.
 */
export function registerPhotoProcessing(app: FastifyInstance): void {
  const repository = app.photos.repository;
  const { s3 } = app.aws;
  const bucket = app.resources.bucket;
  const limits = app.config.photos;

  app.jobs.registry.register(
    PROCESS_PHOTO_JOB,
    async ({ userId, photoId }, ctx) => {
      const photo = await repository.get(userId, photoId);
      if (!photo || (photo.status !== 'uploading' && photo.status !== 'processing')) return; // done before, or gone
      const nowSeconds = () => Math.floor(Date.now() / 1000);
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: photo.s3Key }), { abortSignal: ctx.signal });
        const maxBytes = UPLOAD_TYPES[photo.contentType as keyof typeof UPLOAD_TYPES] === 'raw' ? limits.maxBytesRaw : limits.maxBytes;
        const result = await processPhoto(object.Body as Readable, { sha256Base64: photo.sha256, contentType: photo.contentType, maxBytes, size: photo.size });
        if (result.status === 'rejected') {
          ctx.log.info({ photoId, reason: result.reason }, 'photo rejected');
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: photo.s3Key }));
          await repository.reject(photo, result.reason, nowSeconds());
          return;
        }
        const derivatives = { thumbnail: photoKeys.thumbnail(userId, photoId), preview: photoKeys.preview(userId, photoId) };
        await Promise.all([
          s3.send(new PutObjectCommand({ Bucket: bucket, Key: derivatives.thumbnail, Body: result.thumbnail, ContentType: 'image/webp' })),
          s3.send(new PutObjectCommand({ Bucket: bucket, Key: derivatives.preview, Body: result.preview, ContentType: 'image/jpeg' })),
        ]);
        // Without EXIF time the upload time stands in; a camera time without offset is read as UTC.
        const takenAt = result.takenAt?.value ?? photo.uploadedAt;
        const takenAtUtc = new Date(result.takenAt && result.takenAt.isLocalTime ? `${result.takenAt.value}Z` : takenAt);
        const ready = {
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
        // The user may trash (or restore) the photo meanwhile: decide on a fresh read when that happens.
        let current: typeof photo | undefined = photo;
        for (let attempt = 0; current && !(await repository.markReady(current, ready)) && attempt < 3; attempt++) {
          current = await repository.get(userId, photoId);
          if (!current || (current.status !== 'uploading' && current.status !== 'processing')) break;
        }
        await runOnce(app.aws.dynamo, app.resources.table, `photo-uploaded:${photoId}`, () =>
          publishEvents(app.aws.events, app.resources.eventBusName, [
            { type: 'PhotoUploaded', detail: { userId, photoId, contentType: result.contentType, size: photo.size } },
          ]),
        );
      } catch (error) {
        if (ctx.receiveCount < MAX_RECEIVES) throw error;
        ctx.log.error({ photoId, err: { name: (error as Error).name } }, 'photo processing failed for good');
        await repository.reject(photo, 'processing-failed', nowSeconds());
      }
    },
    { schema: payload, timeoutSeconds: 120 },
  );
}
