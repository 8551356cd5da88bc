import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { AccountDeletion, DeletionsRepository } from '../data/deletions.js';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobContext, JobRegistry } from '../jobs/registry.js';
import type { LibraryService } from './library-service.js';
import { photoKeys } from './photo-id.js';
import type { PhotoDeletion } from './photo-deletion.js';

export const EMPTY_TRASH_JOB = 'empty-trash';
export const PURGE_PHOTO_JOB = 'purge-photo';
export const DELETE_ACCOUNT_JOB = 'delete-account';

/** Each run of a long job stops taking new work after this and enqueues its own continuation. */
const RUN_BUDGET_MS = 240_000;
/** The pool aborts a run after this; longer than the budget plus the photo in hand. */
const LONG_JOB_TIMEOUT_SECONDS = 300;
const PURGE_JOB_TIMEOUT_SECONDS = 60;
/** How long the sweep lets a job hold what it handed out before handing it out again (a lost message). */
export const JOB_LEASE_MS = 15 * 60 * 1000;

const emptyTrashPayload = z.object({ userId: z.string().min(1), before: z.iso.datetime(), round: z.number().int().min(0).optional() });
const purgePhotoPayload = z.object({ userId: z.string().min(1), photoId: z.string().min(1), trashedAt: z.string().min(1) });
const deleteAccountPayload = z.object({ userId: z.string().min(1) });

export interface LibraryJobsDeps {
  photos: PhotosRepository;
  deletions: DeletionsRepository;
  library: LibraryService;
  deletion: PhotoDeletion;
  enqueue: JobQueue['enqueue'];
  enqueueBatch: JobQueue['enqueueBatch'];
  /** The last step of an account's removal, once its photos and objects are gone (the Cognito user went with the request). */
  deleteProfile: (userId: string) => Promise<void>;
  /**
   * How long after an account's removal its prefix is swept again: the longest upload URL life plus
   * the PUT grace plus the longest job, so late uploads and derivatives are gone with it.
   */
  resweepDelayMs: () => number;
  now?: () => Date;
  /** How long one run of a long job takes new work before handing over to a continuation (default 4 min). */
  runBudgetMs?: number;
  log?: FastifyBaseLogger;
}

/**
 * The library's long work, run on the consumer pool so that no request waits for it: emptying the
 * trash, the 30-day purge (handed out by the sweep) and account deletion. Every job is safe to run
 * twice or concurrently: each photo goes through a conditional removal, and an account's progress is
 * a durable item (`DELETION`) that the sweep hands out again should a message be lost.
 */
export class LibraryJobs {
  private readonly now: () => Date;
  private readonly runBudgetMs: number;
  constructor(private readonly deps: LibraryJobsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.runBudgetMs = deps.runBudgetMs ?? RUN_BUDGET_MS;
  }

  register(registry: JobRegistry): void {
    registry.register(EMPTY_TRASH_JOB, (payload, ctx) => this.runEmptyTrash(payload, ctx), { schema: emptyTrashPayload, timeoutSeconds: LONG_JOB_TIMEOUT_SECONDS });
    registry.register(PURGE_PHOTO_JOB, (payload) => this.runPurge(payload), { schema: purgePhotoPayload, timeoutSeconds: PURGE_JOB_TIMEOUT_SECONDS });
    registry.register(DELETE_ACCOUNT_JOB, (payload, ctx) => this.runAccountDeletion(payload.userId, ctx), {
      schema: deleteAccountPayload,
      timeoutSeconds: LONG_JOB_TIMEOUT_SECONDS,
    });
  }

  /** DELETE /v1/trash: what is in the trash now is purged by a job (photos trashed later stay). */
  async requestEmptyTrash(userId: string): Promise<void> {
    const before = this.now().toISOString();
    await this.deps.enqueue(EMPTY_TRASH_JOB, { userId, before }, { jobId: `empty-trash:${userId}:${before}` });
  }

  /**
   * Account deletion, after its sessions ended: a durable to-do first, then the job. Should the
   * enqueue fail, the sweep hands the deletion out when its lease runs out; a deletion already under
   * way is left as it is.
   */
  async scheduleAccountDeletion(user: { userId: string; username: string }): Promise<void> {
    const now = this.now();
    const deletion: AccountDeletion = {
      userId: user.userId,
      username: user.username,
      phase: 'removing',
      requestedAt: now.toISOString(),
      dueAt: new Date(now.getTime() + JOB_LEASE_MS).toISOString(),
    };
    if (!(await this.deps.deletions.startAccountDeletion(deletion))) return;
    try {
      await this.enqueueAccountDeletion(deletion);
    } catch (error) {
      this.deps.log?.warn({ err: error, userId: user.userId }, 'account deletion job not enqueued: the sweep hands it out when due');
    }
  }

  /** Purge jobs for photos the sweep leased (one job per photo and trash entry). */
  async enqueuePurges(photos: PhotoRecord[]): Promise<void> {
    await this.deps.enqueueBatch(
      photos.map((p) => ({
        type: PURGE_PHOTO_JOB,
        payload: { userId: p.userId, photoId: p.photoId, trashedAt: p.trashedAt! },
        jobId: `purge-photo:${p.userId}:${p.photoId}:${p.trashedAt!}`,
      })),
    );
  }

  async enqueueAccountDeletion(deletion: AccountDeletion): Promise<void> {
    await this.deps.enqueue(DELETE_ACCOUNT_JOB, { userId: deletion.userId }, { jobId: `delete-account:${deletion.userId}:${deletion.phase}:${deletion.dueAt}` });
  }

  private async runEmptyTrash(payload: z.infer<typeof emptyTrashPayload>, ctx: JobContext): Promise<void> {
    const { purged, done } = await this.deps.library.emptyTrash(payload.userId, payload.before, this.now().getTime() + this.runBudgetMs, ctx.signal);
    ctx.log.info({ purged, done }, 'trash emptied');
    if (done) return;
    const round = (payload.round ?? 0) + 1;
    await this.deps.enqueue(EMPTY_TRASH_JOB, { ...payload, round }, { jobId: `empty-trash:${payload.userId}:${payload.before}:${round}` });
  }

  /** One photo whose 30 days are over, if it is still the trash entry the sweep handed out. */
  private async runPurge(payload: z.infer<typeof purgePhotoPayload>): Promise<void> {
    const photo = await this.deps.photos.get(payload.userId, payload.photoId);
    if (!photo || photo.trashedAt !== payload.trashedAt) return;
    await this.deps.library.purgeTrashed(photo);
  }

  /**
   * Phase `removing`: every photo record (multipart uploads aborted), every object under the user's
   * prefix, then the profile; the prefix is swept once more (`resweep`) after
   * every URL and job that could still write there has ended. Each run takes a lease on the
   * deletion first, so a duplicate message finds it taken.
   */
  private async runAccountDeletion(userId: string, ctx: JobContext): Promise<void> {
    const found = await this.deps.deletions.getAccountDeletion(userId);
    if (!found) return;
    const lease = { phase: found.phase, dueAt: new Date(this.now().getTime() + JOB_LEASE_MS).toISOString() };
    if (!(await this.deps.deletions.advanceAccountDeletion(found, lease))) return;
    const deletion = { ...found, ...lease };
    const stopAt = this.now().getTime() + this.runBudgetMs;

    let records = 0;
    for await (const page of this.deps.photos.allOfUser(userId)) {
      for (const photo of page) {
        ctx.signal.throwIfAborted();
        if (photo.status === 'uploading' && photo.uploadId) await this.deps.deletion.abortMultipart(photoKeys.original(userId, photo.photoId), photo.uploadId);
        await this.deps.photos.forget(photo);
        records++;
      }
      if (this.now().getTime() >= stopAt) {
        // Records go as they are read, so the next run starts over with what is left.
        await this.enqueueAccountDeletion(deletion);
        ctx.log.info({ records }, 'account deletion continues in a next run');
        return;
      }
    }
    const objects = await this.deps.deletion.sweepUserPrefix(userId, ctx.signal);
    if (deletion.phase === 'removing') {
      await this.deps.deleteProfile(userId);
      const resweepAt = new Date(this.now().getTime() + this.deps.resweepDelayMs()).toISOString();
      await this.deps.deletions.advanceAccountDeletion(deletion, { phase: 'resweep', dueAt: resweepAt });
      ctx.log.info({ records, objects, resweepAt }, 'account removed; its prefix is swept again later');
    } else {
      await this.deps.deletions.finishAccountDeletion(deletion);
      ctx.log.info({ records, objects }, 'account deletion finished');
    }
  }
}
