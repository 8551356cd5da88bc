import type { FastifyBaseLogger } from 'fastify';
import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import type { LibraryService } from './library-service.js';

/**
 * Background clean-up, as plain functions of `now` (tests pass their own clock):
 * - purgeExpiredTrash: photos 30 days in the trash (GSI2 `DUE#PURGE`);
 * - sweepAbandonedUploads: photos whose upload URL expired without a completion (`DUE#UPLOAD`).
 * Both are idempotent and safe on several instances at once: each record is re-read consistently
 * and removed with a condition, and only the instance whose removal succeeded deletes the objects.
 */
export interface SweeperDeps {
  photos: PhotosRepository;
  library: LibraryService;
  log?: FastifyBaseLogger;
  /** Items per due-index query. */
  batchSize?: number;
  /** An upload is swept this long after its URL expired (a PUT that finished at the last second may still be completed). */
  uploadGraceMs?: number;
  /** At most this many pages per run; the next run goes on. */
  maxPages?: number;
}

export interface SweepResult {
  /** Photos removed by this call. */
  removed: number;
  /** Listed but left alone: changed meanwhile, or removed by another instance. */
  skipped: number;
  failed: number;
}

export const DEFAULT_UPLOAD_GRACE_MS = 10 * 60 * 1000;

async function sweep(
  deps: SweeperDeps,
  kind: 'UPLOAD' | 'PURGE',
  before: Date,
  handle: (listed: PhotoRecord) => Promise<boolean>,
): Promise<SweepResult> {
  const batch = deps.batchSize ?? 100;
  const result: SweepResult = { removed: 0, skipped: 0, failed: 0 };
  const seen = new Set<string>();
  for (let page = 0; page < (deps.maxPages ?? 20); page++) {
    const due = await deps.photos.listDue(kind, before.toISOString(), batch);
    let progress = false;
    for (const listed of due) {
      const id = `${listed.userId}/${listed.photoId}`;
      // The index is eventually consistent: an item removed a moment ago may be listed again.
      if (seen.has(id)) continue;
      seen.add(id);
      progress = true;
      try {
        if (await handle(listed)) result.removed++;
        else result.skipped++;
      } catch (error) {
        result.failed++;
        deps.log?.error({ err: error, userId: listed.userId, photoId: listed.photoId, kind }, 'sweep: photo not removed');
      }
    }
    if (due.length < batch || !progress) break;
  }
  if (result.removed > 0 || result.failed > 0) deps.log?.info({ kind, ...result }, 'sweep done');
  return result;
}

/** Purges photos whose 30 days in the trash are over at `now`. */
export function purgeExpiredTrash(deps: SweeperDeps, now: Date): Promise<SweepResult> {
  return sweep(deps, 'PURGE', now, async (listed) => {
    const photo = await deps.photos.get(listed.userId, listed.photoId);
    // Restored (and maybe trashed again, with a later due time) since the index was read: not ours.
    if (!photo?.trashedAt || photo.trashedAt !== listed.trashedAt) return false;
    return deps.library.purgeTrashed(photo);
  });
}

/** Removes photos still `uploading` whose upload URL expired (plus the grace) before `now`; their bytes are released. */
export function sweepAbandonedUploads(deps: SweeperDeps, now: Date): Promise<SweepResult> {
  const cutoff = new Date(now.getTime() - (deps.uploadGraceMs ?? DEFAULT_UPLOAD_GRACE_MS));
  return sweep(deps, 'UPLOAD', cutoff, async (listed) => {
    const photo = await deps.photos.get(listed.userId, listed.photoId);
    // Completed, or given fresh URLs, since the index was read.
    if (!photo || photo.status !== 'uploading' || photo.uploadExpiresAt >= cutoff.toISOString()) return false;
    return deps.library.discardUpload(photo);
  });
}

export interface Sweepers {
  purgeExpiredTrash(now: Date): Promise<SweepResult>;
  sweepAbandonedUploads(now: Date): Promise<SweepResult>;
}

export function createSweepers(deps: SweeperDeps): Sweepers {
  return {
    purgeExpiredTrash: (now) => purgeExpiredTrash(deps, now),
    sweepAbandonedUploads: (now) => sweepAbandonedUploads(deps, now),
  };
}
