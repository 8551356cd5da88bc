import type { PhotoRecord, PhotosRepository } from '../data/photos.js';
import { oneByOne, sweepDue, type SweepPaging } from './sweeper.js';

/**
 * After `complete`, a photo's pipeline (processing, then PhotoUploaded) should be over within the job's
 * retries: at most MAX_RECEIVES attempts of PROCESS_PHOTO_TIMEOUT_SECONDS plus their backoff, well under
 * this. Past it, the job was lost (a crash before the enqueue, a queue that lost it, the DLQ after an
 * outage longer than the retries) and the reconciliation sweep enqueues it again.
 */
export const PROCESSING_DEADLINE_MS = 30 * 60 * 1000;
/** Re-enqueues of one photo back off: the deadline doubles with each, up to a day. */
const MAX_RETRY_DELAY_MS = 24 * 3600 * 1000;

/** When a re-enqueued pipeline is due again, given how many times it was re-enqueued before. */
function nextProcessingDue(now: Date, retries: number): Date {
  return new Date(now.getTime() + Math.min(MAX_RETRY_DELAY_MS, PROCESSING_DEADLINE_MS * 2 ** Math.min(retries, 16)));
}

export interface ReconcileDeps extends SweepPaging {
  photos: Pick<PhotosRepository, 'listDue' | 'get' | 'rescheduleProcessing'>;
  enqueueProcessing: (userId: string, photoId: string) => Promise<void>;
}

export interface ReconcileResult {
  requeued: number;
  /** Listed but finished, rescheduled by another instance, or not due any more. */
  skipped: number;
  failed: number;
}

/**
 * Re-enqueues the processing of every photo whose pipeline is overdue at `now` (GSI2 `DUE#PROCESS`):
 * still `processing`, or `ready` with PhotoUploaded not yet published. Each one is claimed first by
 * moving its due time (conditional on the due time listed), so of several instances one enqueues; the
 * job itself is idempotent, so an enqueue that happens twice anyway is harmless. A photo is never
 * rejected here: only the job decides that, on its bytes.
 */
export async function reconcileProcessing(deps: ReconcileDeps, now: Date): Promise<ReconcileResult> {
  const { done, skipped, failed } = await sweepDue(
    deps,
    'processing',
    (limit) => deps.photos.listDue('PROCESS', now.toISOString(), limit),
    (p) => `${p.userId}/${p.photoId}`,
    oneByOne(deps, 'processing', (listed: PhotoRecord) => requeue(deps, listed, now), (p) => ({ userId: p.userId, photoId: p.photoId })),
  );
  return { requeued: done, skipped, failed };
}

async function requeue(deps: ReconcileDeps, listed: PhotoRecord, now: Date): Promise<boolean> {
  const photo = await deps.photos.get(listed.userId, listed.photoId);
  if (!photo || (photo.status !== 'processing' && photo.status !== 'ready')) return false;
  if (!photo.processingDueAt || photo.processingDueAt !== listed.processingDueAt || photo.processingDueAt > now.toISOString()) return false;
  const retries = photo.processingRetries ?? 0;
  if (!(await deps.photos.rescheduleProcessing(photo, nextProcessingDue(now, retries + 1).toISOString()))) return false;
  deps.log?.warn({ userId: photo.userId, photoId: photo.photoId, status: photo.status, retries: retries + 1 }, 'photo pipeline overdue: re-enqueued');
  await deps.enqueueProcessing(photo.userId, photo.photoId);
  return true;
}
