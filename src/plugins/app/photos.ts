import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PhotosRepository } from '../../data/photos.js';
import { LibraryService } from '../../photos/library-service.js';
import { createSweepers, type SweepResult, type Sweepers } from '../../photos/sweeper.js';
import { CloudFrontUrlSigner } from '../../photos/cloudfront-url-signer.js';
import { presignedUrlSigner, type PhotoUrlSigner } from '../../photos/url-signer.js';

export interface PhotosDecoration {
  repository: PhotosRepository;
  library: LibraryService;
  signer: PhotoUrlSigner;
  /** Plain functions of `now`; the interval timer calls them with the wall clock. */
  sweepers: Sweepers;
  /** Both sweeps once (what the timer runs). */
  sweep(now?: Date): Promise<{ trash: SweepResult; uploads: SweepResult }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    photos: PhotosDecoration;
  }
}

export interface PhotosPluginOptions {
  /** Overrides the signer PHOTO_URLS chooses (presigned S3 GETs, or CloudFront signed URLs). */
  signer?: PhotoUrlSigner;
  /** The service's clock (URL windows, trash times). */
  now?: () => Date;
}

/**
 * The photo library: repository, service, URL signer and the sweepers, run every
 * SWEEP_INTERVAL_SECONDS (0 = never) from onReady until close. Account deletion removes every
 * photo and object of the user through a hook on the accounts service.
 */
export default fp(
  async function photos(app: FastifyInstance, options: PhotosPluginOptions) {
    const secret = app.config.secrets.cursor;
    if (secret.length < 32) throw new Error('CURSOR_SECRET is not configured (at least 32 characters)');
    const log = app.log.child({ component: 'photos' });
    const repository = new PhotosRepository(app.aws.dynamo, app.resources.table);
    const urls = app.config.photoUrls;
    const signer =
      options.signer ??
      (urls.mode === 'cloudfront'
        ? new CloudFrontUrlSigner({ domain: urls.domain, keyPairId: urls.keyPairId, privateKey: urls.privateKey })
        : presignedUrlSigner(app.presigner));
    const library = new LibraryService({
      photos: repository,
      s3: app.aws.s3,
      bucket: app.resources.bucket,
      signer,
      cursorSecret: secret,
      ...(options.now ? { now: options.now } : {}),
      log,
    });
    const sweepers = createSweepers({ photos: repository, library, log });
    const sweep = async (now = new Date()) => ({
      trash: await sweepers.purgeExpiredTrash(now),
      uploads: await sweepers.sweepAbandonedUploads(now),
    });
    app.decorate('photos', { repository, library, signer, sweepers, sweep });

    app.accounts.onDeleteAccount(async (user) => {
      const removed = await library.deleteEverything(user.userId);
      log.info({ userId: user.userId, ...removed }, 'account deletion: photos and objects removed');
    });

    const intervalMs = app.config.photos.sweepIntervalSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | undefined;
    app.addHook('onReady', async () => {
      if (intervalMs === 0) return;
      timer = setInterval(() => {
        if (running) return; // a slow run is never doubled up
        running = sweep()
          .catch((error: unknown) => log.error({ err: error }, 'sweep failed'))
          .finally(() => {
            running = undefined;
          });
      }, intervalMs);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  },
  { name: 'photos', dependencies: ['aws', 'accounts'] },
);
