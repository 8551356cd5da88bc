import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PROCESS_PHOTO_JOB, processPhotoJobId, registerPhotoProcessing } from '../../photos/process-job.js';
import { UploadsService } from '../../photos/uploads-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    uploads: UploadsService;
  }
}

/** The upload protocol (service) and the processing job that finishes it. */
export default fp(
  async function uploads(app: FastifyInstance) {
    app.decorate(
      'uploads',
      new UploadsService({
        photos: app.photos.repository,
        users: app.users,
        s3: app.aws.s3,
        bucket: app.resources.bucket,
        presigner: app.presigner,
        limits: app.config.photos,
        enqueueProcessing: async (userId, photoId) => {
          await app.jobs.enqueue(PROCESS_PHOTO_JOB, { userId, photoId }, { jobId: processPhotoJobId(photoId) });
        },
      }),
    );
    registerPhotoProcessing(app);
  },
  { name: 'uploads', dependencies: ['aws', 'jobs', 'accounts', 'photos'] },
);
