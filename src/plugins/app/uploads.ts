import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { publishEvents } from '../../aws/eventbridge.js';
import { runOnce } from '../../jobs/idempotency.js';
import { s3PhotoObjects } from '../../photos/photo-objects.js';
import { PhotoProcessor, type PhotoUploadedDetail } from '../../photos/photo-processor.js';
import { PROCESS_PHOTO_JOB, processPhotoJobId, registerPhotoProcessing } from '../../photos/process-job.js';
import { DecoderPool } from '../../photos/processing/decoder-pool.js';
import { processPhoto } from '../../photos/processing/process-photo.js';
import { PROCESSING_DEADLINE_MS, reconcileProcessing } from '../../photos/reconcile.js';
import { UploadsService } from '../../photos/uploads-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    uploads: UploadsService;
  }
}

/** The upload protocol (service), the processing job that finishes it and the sweep that re-enqueues lost jobs. */
export default fp(
  async function uploads(app: FastifyInstance) {
    const { s3, dynamo, events } = app.aws;
    const { bucket, table, eventBusName } = app.resources;
    const log = app.log.child({ component: 'uploads' });
    const enqueueProcessing = async (userId: string, photoId: string) => {
      await app.jobs.enqueue(PROCESS_PHOTO_JOB, { userId, photoId }, { jobId: processPhotoJobId(photoId) });
    };
    // Keyed by the incarnation (a purged photo uploaded again is a new one with the same id); the detail
    // carries the key as eventId, so a consumer can drop the duplicate a crash right after PutEvents could make.
    const publishUploaded = async (detail: PhotoUploadedDetail) => {
      // A guest's photo (collect link) joins the albums it was bound for once ready: this step runs
      // again until it succeeds (redelivery, reconciliation), so a crash cannot lose the placement.
      // The albums plugin registers after this one: looked up when a photo turns ready.
      await app.albums.service.placePending(detail.userId, detail.photoId);
      const eventId = `photo-uploaded:${detail.photoId}:${detail.uploadedAt}`;
      await runOnce(dynamo, table, eventId, () => publishEvents(events, eventBusName, [{ type: 'PhotoUploaded', detail: { eventId, ...detail } }]));
    };

    app.decorate(
      'uploads',
      new UploadsService({
        photos: app.photos.repository,
        users: app.users,
        s3,
        bucket,
        presigner: app.presigner,
        limits: app.config.photos,
        enqueueProcessing,
        processingDeadlineMs: PROCESSING_DEADLINE_MS,
        log,
      }),
    );
    // Decoder processes sized to the task's memory (TASK_MEMORY_MB): see src/photos/processing/memory-budget.ts.
    const decoders = new DecoderPool(app.config.processing);
    const processor = new PhotoProcessor({
      photos: app.photos.repository,
      objects: s3PhotoObjects(s3, bucket),
      process: (input, declared) => processPhoto(input, declared, decoders),
      publishUploaded,
      limits: app.config.photos,
    });
    registerPhotoProcessing(app.jobs.registry, processor);
    // The workers are the decoders' only users: they stop first (stop() is idempotent, whatever the hook order).
    app.addHook('onClose', async () => {
      await app.jobs.pool.stop();
      await decoders.close();
    });
    app.photos.addSweep('processing', (now) => reconcileProcessing({ photos: app.photos.repository, enqueueProcessing, log }, now));
  },
  { name: 'uploads', dependencies: ['aws', 'jobs', 'accounts', 'photos'] },
);
