import type { FastifyBaseLogger } from 'fastify';
import { UPLOAD_PUT_GRACE_MS, type AccountDeletion, type DeletionsRepository } from '../data/deletions.js';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import type { LibraryService } from './library-service.js';
import type { PhotoDeletion } from './photo-deletion.js';

/**
 * Background clean-up, as plain functions of `now` (tests pass their own clock), each driven by a
 * GSI2 due partition:
 * - purgeExpiredTrash (`DUE#PURGE`): photos 30 days in the trash are handed to purge jobs;
 * - sweepAbandonedUploads (`DUE#UPLOAD`): reservations whose URL expired without a completion;
 * - finishTombstones (`DUE#OBJECTS`): objects of deleted or rejected photos, again after their URL died;
 * - resumeAccountDeletions (`DUE#ACCOUNT`): account deletions whose job was lost, or whose late
 *   re-sweep of the user's prefix is due.
 * All are idempotent and safe on several instances at once: every item is re-read (consistent) and
 * changed with a condition on what was read, so one instance acts on it.
 */
/** How a sweep pages through its due partition. */
export interface SweepPaging {
  log?: FastifyBaseLogger;
  /** Items per due-index query. */
  batchSize?: number;
  /** At most this many pages per run; the next run goes on. */
  maxPages?: number;
}

export interface SweeperDeps extends SweepPaging {
  photos: PhotosRepository;
  deletions: DeletionsRepository;
  library: LibraryService;
  deletion: PhotoDeletion;
  /** Hands work to the consumer pool (src/photos/library-jobs.ts). */
  jobs: {
    enqueuePurges(photos: PhotoRecord[]): Promise<void>;
    enqueueAccountDeletion(deletion: AccountDeletion): Promise<void>;
  };
  /** How long a job holds what the sweep handed to it before the sweep hands it out again. */
  jobLeaseMs: number;
  /** An upload is swept this long after its URL expired (a PUT that started at the last second may still be completed). */
  uploadGraceMs?: number;
}

export interface SweepResult {
  /** Items this call acted on (removed, finished or handed to a job). */
  done: number;
  /** Listed but left alone: changed meanwhile, or taken by another instance. */
  skipped: number;
  failed: number;
}


type Outcome = 'done' | 'skipped' | 'failed';

/**
 * Pages through a due partition (`list`), oldest first, handing each page's new items to `handle`; at most
 * maxPages pages a run. Shared by every sweep, the processing reconciliation (reconcile.ts) included.
 */
export async function sweepDue<T>(
  deps: SweepPaging,
  name: string,
  list: (limit: number) => Promise<T[]>,
  idOf: (item: T) => string,
  handle: (items: T[]) => Promise<Outcome[]>,
): Promise<SweepResult> {
  const batch = deps.batchSize ?? 100;
  const result: SweepResult = { done: 0, skipped: 0, failed: 0 };
  const seen = new Set<string>();
  for (let page = 0; page < (deps.maxPages ?? 20); page++) {
    const due = await list(batch);
    // The index is eventually consistent: an item handled a moment ago may be listed again.
    const fresh = due.filter((item) => !seen.has(idOf(item)));
    for (const item of fresh) seen.add(idOf(item));
    try {
      for (const outcome of await handle(fresh)) result[outcome]++;
    } catch (error) {
      result.failed += fresh.length;
      deps.log?.error({ err: error, sweep: name }, 'sweep: items not handled');
    }
    if (due.length < batch || fresh.length === 0) break;
  }
  if (result.done > 0 || result.failed > 0) deps.log?.info({ sweep: name, ...result }, 'sweep done');
  return result;
}

/** One item at a time: a failing item is logged and counted, the others go on. */
export function oneByOne<T>(deps: SweepPaging, name: string, handle: (item: T) => Promise<boolean>, logged: (item: T) => Record<string, string>) {
  return async (items: T[]): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    for (const item of items) {
      try {
        outcomes.push((await handle(item)) ? 'done' : 'skipped');
      } catch (error) {
        outcomes.push('failed');
        deps.log?.error({ err: error, sweep: name, ...logged(item) }, 'sweep: item not handled');
      }
    }
    return outcomes;
  };
}

const photoIdOf = (p: { userId: string; photoId: string }) => `${p.userId}/${p.photoId}`;

/** Hands photos whose 30 days in the trash are over at `now` to purge jobs (leased, so each goes out once). */
export function purgeExpiredTrash(deps: SweeperDeps, now: Date): Promise<SweepResult> {
  const leaseUntil = new Date(now.getTime() + deps.jobLeaseMs).toISOString();
  return sweepDue(deps, 'trash', (limit) => deps.photos.listDue('PURGE', now.toISOString(), limit), photoIdOf, async (listed) => {
    const leased: PhotoRecord[] = [];
    const outcomes: Outcome[] = [];
    for (const item of listed) {
      const photo = await deps.photos.get(item.userId, item.photoId);
      // Restored (and maybe trashed again, with a later due time) since the index was read: not ours.
      const ok = !!photo?.trashedAt && photo.trashedAt === item.trashedAt && (await deps.photos.leasePurge(photo, leaseUntil));
      if (ok) leased.push(photo);
      outcomes.push(ok ? 'done' : 'skipped');
    }
    // Should this fail, the leases run out and a later sweep hands the photos out again.
    if (leased.length > 0) await deps.jobs.enqueuePurges(leased);
    return outcomes;
  });
}

/** Removes photos still `uploading` whose upload URL expired (plus the grace) before `now`; their bytes are released. */
export function sweepAbandonedUploads(deps: SweeperDeps, now: Date): Promise<SweepResult> {
  const cutoff = new Date(now.getTime() - (deps.uploadGraceMs ?? UPLOAD_PUT_GRACE_MS)).toISOString();
  const handle = async (listed: PhotoRecord) => {
    const photo = await deps.photos.get(listed.userId, listed.photoId);
    // Completed, or given fresh URLs, since the index was read; the removal pins the expiry read.
    if (!photo || photo.status !== 'uploading' || photo.uploadExpiresAt >= cutoff) return false;
    return deps.library.discardUpload(photo);
  };
  return sweepDue(deps, 'uploads', (limit) => deps.photos.listDue('UPLOAD', cutoff, limit), photoIdOf, oneByOne(deps, 'uploads', handle, (p) => ({ userId: p.userId, photoId: p.photoId })));
}

/** Deletes the objects of deleted or rejected photos whose tombstone is due (again after the URL died). */
export function finishTombstones(deps: SweeperDeps, now: Date): Promise<SweepResult> {
  const handle = async (listed: { userId: string; photoId: string }) => {
    const tombstone = await deps.deletions.getTombstone(listed.userId, listed.photoId);
    if (!tombstone || tombstone.dueAt >= now.toISOString()) return false;
    return (await deps.deletion.finish(tombstone, now)) !== 'changed';
  };
  return sweepDue(deps, 'objects', (limit) => deps.deletions.listDueTombstones(now.toISOString(), limit), photoIdOf, oneByOne(deps, 'objects', handle, (t) => ({ userId: t.userId, photoId: t.photoId })));
}

/** Enqueues account deletions that are due: a first run that was lost, or the late re-sweep. */
export function resumeAccountDeletions(deps: SweeperDeps, now: Date): Promise<SweepResult> {
  const leaseUntil = new Date(now.getTime() + deps.jobLeaseMs).toISOString();
  const handle = async (listed: AccountDeletion) => {
    const deletion = await deps.deletions.getAccountDeletion(listed.userId);
    if (!deletion || deletion.dueAt !== listed.dueAt) return false;
    const next = { phase: deletion.phase, dueAt: leaseUntil };
    if (!(await deps.deletions.advanceAccountDeletion(deletion, next))) return false;
    await deps.jobs.enqueueAccountDeletion({ ...deletion, ...next });
    return true;
  };
  return sweepDue(deps, 'accounts', (limit) => deps.deletions.listDueAccountDeletions(now.toISOString(), limit), (d) => d.userId, oneByOne(deps, 'accounts', handle, (d) => ({ userId: d.userId })));
}

export interface Sweepers {
  purgeExpiredTrash(now: Date): Promise<SweepResult>;
  sweepAbandonedUploads(now: Date): Promise<SweepResult>;
  finishTombstones(now: Date): Promise<SweepResult>;
  resumeAccountDeletions(now: Date): Promise<SweepResult>;
}

export function createSweepers(deps: SweeperDeps): Sweepers {
  return {
    purgeExpiredTrash: (now) => purgeExpiredTrash(deps, now),
    sweepAbandonedUploads: (now) => sweepAbandonedUploads(deps, now),
    finishTombstones: (now) => finishTombstones(deps, now),
    resumeAccountDeletions: (now) => resumeAccountDeletions(deps, now),
  };
}
