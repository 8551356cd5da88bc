import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DeletionsRepository, UPLOAD_PUT_GRACE_MS } from '../../data/deletions.js';
import { PhotosRepository } from '../../data/photos.js';
import { LibraryJobs, JOB_LEASE_MS } from '../../photos/library-jobs.js';
import { LibraryService } from '../../photos/library-service.js';
import { PhotoDeletion } from '../../photos/photo-deletion.js';
import { createSweepers, type Sweepers } from '../../photos/sweeper.js';
import { CloudFrontUrlSigner } from '../../photos/cloudfront-url-signer.js';
import { presignedUrlSigner, type PhotoUrlSigner } from '../../photos/url-signer.js';


export interface PhotosDecoration {
  repository: PhotosRepository;
  deletions: DeletionsRepository;
  library: LibraryService;
  /** Emptying the trash, the purge and account deletion, as jobs on the consumer pool. */
  jobs: LibraryJobs;
  /** Plain functions of `now`; the interval timer calls them with the wall clock. */
  sweepers: Sweepers;
  /** Adds a sweep that the timer runs after the library's own (e.g. the processing reconciliation). */
  addSweep(name: string, run: (now: Date) => Promise<unknown>): void;
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
 * The photo library: repositories, service, URL signer, its jobs (registered on the pool) and the
 * sweeps, run every SWEEP_INTERVAL_SECONDS (0 = never) from onReady until close. Account deletion
 * is scheduled through a hook on the accounts service and carried out by a job.
 */
export default fp(
  async function photos(app: FastifyInstance, options: PhotosPluginOptions) {
    const secret = app.config.secrets.cursor;
    if (secret.length < 32) throw new Error('CURSOR_SECRET is not configured (at least 32 characters)');
    const log = app.log.child({ component: 'photos' });
    const now = options.now ?? (() => new Date());
    const repository = new PhotosRepository(app.aws.dynamo, app.resources.table);
    const deletions = new DeletionsRepository(app.aws.dynamo, app.resources.table);
    const urls = app.config.photoUrls;
    const signer =
      options.signer ??
      (urls.mode === 'cloudfront'
        ? new CloudFrontUrlSigner({ domain: urls.domain, keyPairId: urls.keyPairId, privateKey: urls.privateKey })
        : presignedUrlSigner(app.presigner));
    const deletion = new PhotoDeletion({ photos: repository, deletions, s3: app.aws.s3, bucket: app.resources.bucket, now, log });
    const library = new LibraryService({ photos: repository, deletion, signer, cursorSecret: secret, now, log });
    const registry = app.jobs.registry;
    const jobs = new LibraryJobs({
      photos: repository,
      deletions,
      library,
      deletion,
      enqueue: app.jobs.enqueue,
      enqueueBatch: app.jobs.enqueueBatch,
      deleteProfile: (userId) => app.users.deleteUser(userId),
      // Read when a deletion is scheduled: by then every plugin has registered its jobs.
      resweepDelayMs: () => {
        const longestJobSeconds = Math.max(0, ...registry.types().map((type) => registry.get(type)?.timeoutSeconds ?? 0));
        return app.config.photos.uploadUrlTtlSeconds * 1000 + UPLOAD_PUT_GRACE_MS + longestJobSeconds * 1000;
      },
      now,
      log,
    });
    jobs.register(registry);

    const sweepers = createSweepers({ photos: repository, deletions, library, deletion, jobs, jobLeaseMs: JOB_LEASE_MS, log });
    const sweeps = new Map<string, (at: Date) => Promise<unknown>>([
      ['trash', sweepers.purgeExpiredTrash],
      ['uploads', sweepers.sweepAbandonedUploads],
      ['objects', sweepers.finishTombstones],
      ['accounts', sweepers.resumeAccountDeletions],
    ]);
    // Every sweep once, in order; each logs what it did.
    const sweep = async (at = now()) => {
      for (const [name, run] of sweeps) {
        try {
          await run(at);
        } catch (error) {
          // One sweep's outage (its index unreadable) must not stop the others.
          log.error({ err: error, sweep: name }, 'sweep failed');
        }
      }
    };
    const addSweep = (name: string, run: (at: Date) => Promise<unknown>) => {
      if (sweeps.has(name)) throw new Error(`sweep ${name} is already added`);
      sweeps.set(name, run);
    };
    app.decorate('photos', { repository, deletions, library, jobs, sweepers, addSweep });

    app.accounts.onDeleteAccount((user) => jobs.scheduleAccountDeletion(user));

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
  { name: 'photos', dependencies: ['aws', 'jobs', 'accounts'] },
);
