import { systemClock, type Clock } from './storage';
import type { UploadQueue } from './upload-queue';
import type { UploadItem, UploadTransport } from './upload-types';

/** Asks again this long after the upload finished (then every last step), until the outcome is known. */
const DELAYS_MS = [2_000, 4_000, 8_000, 15_000];
/** Past this the screen keeps saying "Uploaded": the photo is safe on the server whatever processing says. */
const GIVE_UP_AFTER_MS = 5 * 60_000;
const BATCH = 50;

interface Watched {
  photoId: string;
  since: number;
  asked: number;
}

/**
 * The server takes a photo (complete answers `processing`) before it has decoded it, and may reject it
 * then (not an image, undecodable...). The queue is done with such items, so this watch asks the same
 * idempotent complete again, with backoff, until the photo is ready or rejected, and tells the queue:
 * a rejected photo then says why instead of "Uploaded" forever.
 */
export class ProcessingWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly clock: Clock;
  private cancelTimer: (() => void) | undefined;
  private asking = false;
  private readonly unsubscribe: () => void;
  private readonly onReady: (() => void) | undefined;

  constructor(
    private readonly queue: UploadQueue,
    private readonly transport: Pick<UploadTransport, 'completeUploads'>,
    options: { clock?: Clock; onReady?: () => void } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.onReady = options.onReady;
    this.unsubscribe = queue.subscribe((items) => this.track(items));
  }

  stop(): void {
    this.unsubscribe();
    this.cancelTimer?.();
    this.watched.clear();
  }

  private track(items: readonly UploadItem[]): void {
    const processing = new Set<string>();
    for (const item of items) {
      if (item.step !== 'done' || item.result !== 'processing' || !item.photoId) continue;
      processing.add(item.photoId);
      if (!this.watched.has(item.photoId)) this.watched.set(item.photoId, { photoId: item.photoId, since: this.clock.now(), asked: 0 });
    }
    // Settled, cleared from the screen or removed: no need to ask any more.
    for (const photoId of this.watched.keys()) if (!processing.has(photoId)) this.watched.delete(photoId);
    this.schedule();
  }

  private dueAt(watched: Watched): number {
    let at = watched.since;
    for (let i = 0; i <= watched.asked; i++) at += DELAYS_MS[Math.min(i, DELAYS_MS.length - 1)]!;
    return at;
  }

  private schedule(): void {
    if (this.asking) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.clock.now();
    for (const [photoId, watched] of this.watched) if (now - watched.since > GIVE_UP_AFTER_MS) this.watched.delete(photoId);
    if (this.watched.size === 0) return;
    const next = Math.min(...[...this.watched.values()].map((w) => this.dueAt(w)));
    this.cancelTimer = this.clock.schedule(() => void this.ask(), Math.max(0, next - now));
  }

  private async ask(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.watched.values()].filter((w) => this.dueAt(w) <= now).slice(0, BATCH);
    this.asking = true;
    let readySeen = false;
    try {
      for (const watched of due) watched.asked += 1;
      const answers = await this.transport.completeUploads(due.map((w) => ({ photoId: w.photoId })));
      for (const answer of answers) {
        if (answer.status === 'ready' || answer.status === 'rejected') {
          this.watched.delete(answer.photoId);
          this.queue.settleProcessed(answer.photoId, answer.status === 'ready' ? { status: 'ready' } : { status: 'rejected', error: answer.error });
          readySeen ||= answer.status === 'ready';
        }
      }
    } catch {
      // No network or a busy server: the next round asks again (the backoff already grew).
    } finally {
      this.asking = false;
    }
    if (readySeen) this.onReady?.();
    this.schedule();
  }
}
