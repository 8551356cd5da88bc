import { z } from 'zod';
import { MAX_RECEIVES } from '../jobs/queue-policy.js';
import type { JobRegistry } from '../jobs/registry.js';
import type { PhotoProcessor } from './photo-processor.js';

export const PROCESS_PHOTO_JOB = 'process-photo';
export const processPhotoJobId = (photoId: string) => `process-photo:${photoId}`;
/** One attempt's budget: reading, decoding and writing a photo of the largest allowed size. */
const PROCESS_PHOTO_TIMEOUT_SECONDS = 120;
const payload = z.object({ userId: z.string().min(1), photoId: z.string().min(1) });

/** The processing job: the pool delivers, PhotoProcessor decides (src/photos/photo-processor.ts). */
export function registerPhotoProcessing(registry: JobRegistry, processor: PhotoProcessor): void {
  registry.register(
    PROCESS_PHOTO_JOB,
    async ({ userId, photoId }, ctx) => {
      const outcome = await processor.run(userId, photoId, ctx.signal, { log: ctx.log, finalAttempt: ctx.receiveCount >= MAX_RECEIVES });
      ctx.log.debug({ photoId, outcome }, 'photo processing finished');
    },
    { schema: payload, timeoutSeconds: PROCESS_PHOTO_TIMEOUT_SECONDS },
  );
}
