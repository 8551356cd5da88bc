import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { AlbumEntriesRepository, PhotoRef } from '../data/album-entries.js';
import type { AlbumDeletion, AlbumsRepository } from '../data/albums.js';
import { keys } from '../data/keys.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobContext, JobRegistry } from '../jobs/registry.js';
import { oneByOne, sweepDue, type SweepResult } from '../photos/sweeper.js';
import { ID_PATTERN } from './ids.js';

/** Clears a deleted album's partition (entries, members, links) and its photos' album ids. */
export const CLEAR_ALBUM_JOB = 'clear-album';
/** How long a clearing handed to a job is left to it before the sweep hands it out again. */
export const ALBUM_CLEAR_LEASE_MS = 15 * 60 * 1000;
const CLEAR_TIMEOUT_SECONDS = 300;
const RUN_BUDGET_MS = 240_000;
const PAGE = 100;

const clearPayload = z.object({ albumId: z.string().regex(ID_PATTERN) });

/** The job that clears one deleted album, as library-jobs enqueues it for an account's albums. */
export const clearAlbumJob = (deletion: Pick<AlbumDeletion, 'albumId' | 'dueAt'>) => ({
  type: CLEAR_ALBUM_JOB,
  payload: { albumId: deletion.albumId },
  jobId: `clear-album:${deletion.albumId}:${deletion.dueAt}`,
});

export interface AlbumJobsDeps {
  albums: AlbumsRepository;
  entries: AlbumEntriesRepository;
  enqueue: JobQueue['enqueue'];
  now?: () => Date;
  runBudgetMs?: number;
  log?: FastifyBaseLogger;
}

/**
 * Deleting an album takes it away for everyone at once (album and owner-index items, one transaction
 * with a marker); this clears the rest: the partition page by page (each photo's entry with its
 * record's album id, members with their reverse item, links), then the marker. The marker is the
 * durable to-do: a lost or crashed job is handed out again by the sweep once its lease ran out.
 */
export class AlbumJobs {
  private readonly now: () => Date;
  private readonly runBudgetMs: number;

  constructor(private readonly deps: AlbumJobsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.runBudgetMs = deps.runBudgetMs ?? RUN_BUDGET_MS;
  }

  register(registry: JobRegistry): void {
    registry.register(CLEAR_ALBUM_JOB, (payload, ctx) => this.run(payload.albumId, ctx), { schema: clearPayload, timeoutSeconds: CLEAR_TIMEOUT_SECONDS });
  }

  requestClear = async (deletion: Pick<AlbumDeletion, 'albumId' | 'dueAt'>): Promise<void> => {
    const job = clearAlbumJob(deletion);
    await this.deps.enqueue(job.type, job.payload, { jobId: job.jobId });
  };

  /** Hands out clearings whose job is overdue (lost, crashed): leased, so one instance enqueues each. */
  sweep = (now: Date): Promise<SweepResult> => {
    const log = this.deps.log;
    const handle = async (listed: AlbumDeletion) => {
      const deletion = await this.deps.albums.getDeletion(listed.albumId);
      if (!deletion || deletion.dueAt !== listed.dueAt) return false;
      const dueAt = new Date(now.getTime() + ALBUM_CLEAR_LEASE_MS).toISOString();
      if (!(await this.deps.albums.leaseDeletion(deletion, dueAt))) return false;
      await this.requestClear({ albumId: deletion.albumId, dueAt });
      return true;
    };
    return sweepDue({ log }, 'albums', (limit) => this.deps.albums.listDueDeletions(now.toISOString(), limit), (d) => d.albumId, oneByOne({ log }, 'albums', handle, (d) => ({ albumId: d.albumId })));
  };

  /**
   * Clears the album's partition until it is empty (true) or `stopAt` passes (false). Idempotent and
   * safe beside another run: every removal is conditional on the item still being there.
   */
  async clear(albumId: string, stopAt = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<boolean> {
    const marker = keys.albumDeletion(albumId).SK;
    for (;;) {
      signal?.throwIfAborted();
      if (this.now().getTime() >= stopAt) return false;
      const items = (await this.deps.albums.partitionPage(albumId, PAGE)).filter((item) => item.SK !== marker);
      if (items.length === 0) return true;
      const entryPrefix = keys.albumEntryPrefix();
      const refs: PhotoRef[] = [];
      const others: Record<string, unknown>[] = [];
      for (const item of items) {
        const sk = item.SK as string;
        if (sk.startsWith(entryPrefix)) refs.push({ photoOwnerId: item.photoOwnerId as string, photoId: item.photoId as string });
        else if (sk.startsWith(keys.albumMemberPrefix)) others.push(keys.albumMember(albumId, sk.slice(keys.albumMemberPrefix.length)), keys.sharedAlbum(sk.slice(keys.albumMemberPrefix.length), albumId));
        else others.push({ PK: item.PK, SK: sk });
      }
      if (refs.length > 0) await this.deps.entries.remove(albumId, refs, this.now().toISOString());
      if (others.length > 0) await this.deps.albums.deleteKeys(others);
    }
  }

  private async run(albumId: string, ctx: JobContext): Promise<void> {
    const found = await this.deps.albums.getDeletion(albumId);
    if (!found) return;
    const dueAt = new Date(this.now().getTime() + ALBUM_CLEAR_LEASE_MS).toISOString();
    if (!(await this.deps.albums.leaseDeletion(found, dueAt))) return;
    if (await this.clear(albumId, this.now().getTime() + this.runBudgetMs, ctx.signal)) {
      await this.deps.albums.finishDeletion(albumId);
      ctx.log.info({ albumId }, 'album cleared');
      return;
    }
    await this.requestClear({ albumId, dueAt });
  }
}
